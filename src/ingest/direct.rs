//! Deserializing a body straight into wire structs, without the `Value` tree that
//! `wire::parse_json` builds (allocations per node; the canonical parser is a hot path).
//! It must accept exactly the bodies `parse_json` + `decode` accept, with the same result;
//! for anything else the caller goes back to them for the answer.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Deserializes the whole body into `T`, or `None` when anything fails: the caller then
/// takes `parse_json` and `decode`, whose answer is the reference. Reporting the failure
/// from here instead would differ: a syntax error later in the body would go unnoticed
/// behind a type error; of two bad fields, a `Value` (keys sorted) names the first by key,
/// not by position; a repeated key is "last one wins" in a `Value`, an error here.
///
/// Every struct in `T` must be wrapped in `CheckedObj` (see there).
pub(crate) fn decode_direct<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    serde_json::from_str(text).ok()
}

/// `wire::Obj` (a struct that must arrive as a JSON object) for `decode_direct`. serde_json
/// skips a field the struct does not name with a scanner that checks less than
/// `parse_json` (no depth limit, no number range, lone surrogates pass); here such a field
/// is read as `parse_json` reads it, so that "is JSON" means the same on both paths. Not
/// `Obj` itself: in a `Value` there is nothing left to check, and the adapters that still
/// decode one would walk every skipped subtree for nothing.
pub(crate) struct CheckedObj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for CheckedObj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = CheckedObj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CheckedObj<T>, A::Error> {
                let map = de::value::MapAccessDeserializer::new(CheckedMap(map));
                T::deserialize(map).map(CheckedObj)
            }
        }
        deserializer.deserialize_map(ObjVisitor(PhantomData))
    }
}

/// A struct's fields; their values go through `CheckedValue`.
struct CheckedMap<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CheckedMap<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(CheckedSeed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

struct CheckedSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CheckedSeed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(CheckedValue(deserializer))
    }
}

/// A field's value: as the deserializer it wraps, except that a skipped one is `Checked`.
struct CheckedValue<D>(D);

macro_rules! forward {
    ($($method:ident($($arg:ident: $type:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $type,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for CheckedValue<D> {
    type Error = D::Error;

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(Checked)?;
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    forward! {
        deserialize_any(); deserialize_bool(); deserialize_char(); deserialize_str();
        deserialize_string(); deserialize_bytes(); deserialize_byte_buf(); deserialize_option();
        deserialize_unit(); deserialize_seq(); deserialize_map(); deserialize_identifier();
        deserialize_i8(); deserialize_i16(); deserialize_i32(); deserialize_i64();
        deserialize_i128(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_u128(); deserialize_f32(); deserialize_f64();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// Any JSON value, read the way `Value` reads it (same calls into serde_json, so the same
/// checks), kept nowhere.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Checked)
    }
}

/// A map key, read as `Value` reads one.
struct CheckedKey;

impl<'de> DeserializeSeed<'de> for CheckedKey {
    type Value = Checked;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Checked, D::Error> {
        deserializer.deserialize_str(Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Checked;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_key_seed(CheckedKey)?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}
