//! Target `canonical_event_structured`: structure-aware `parse_canonical`. The input drives
//! a generator of canonical payloads (INGEST.md's fields, values mostly from the spec's
//! vocabulary, sometimes arbitrary strings, wrong JSON types, nulls, missing fields,
//! duplicates and unknown extra fields), so the fuzzer spends its time past the JSON
//! layer, in the field rules.
//!
//! The generator also models the field rules, and the oracle holds the parser to them:
//! - a payload the model calls valid is accepted, and the event has exactly the fields
//!   sent (tracking numbers trimmed; carriers only checked through the round trip);
//! - a payload that breaks a rule is `invalid_event` (never `malformed_json`: it is JSON);
//! - where the model cannot tell (an arbitrary `updated_at` string, a year at the edge of
//!   the range), either `invalid_event` or an accepted event;
//! - every accepted event is storable and survives the canonical round trip.

use crate::canonical;
use arbitrary::{Result, Unstructured};
use ordersync::domain::{EventId, OrderEvent, Status, Timestamp};
use ordersync::ingest::parse_canonical;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const TYPES: &[&str] = &[
    "order.created",
    "order.updated",
    "order.paid",
    "order.dispatched",
    "order.canceled",
];
const STATUSES: &[&str] = &[
    "placed",
    "paid",
    "preparing",
    "dispatched",
    "delivered",
    "completed",
    "canceled",
    "returned",
    "exchanged",
    "cancelled",
    "Paid",
];
const PAYMENTS: &[&str] = &[
    "card",
    "bank_transfer",
    "cod",
    "convenience_store",
    "deferred",
    "carrier_billing",
    "coin",
    "other",
    "paypal",
    "COD",
];
const ORDER_IDS: &[&str] = &["1001", "#1042", "주문-1001 #A", " 1001 ", "a\u{7}b", ""];
const LINE_IDS: &[&str] = &["L1", "L2", "L3", "14001234567890", "l1"];
const CARRIERS: &[&str] = &[
    "sagawa",
    "Sagawa Express",
    "yamato",
    "japan-post",
    "japan_post",
    "CJ대한통운",
    "DHL Express",
    "other",
    "  ",
    "",
];
const TRACKING: &[&str] = &["123412341234", " 1Z999AA10123456784 ", "  ", ""];
const REASONS: &[&str] = &["SOLD_OUT", "INTENT_CHANGED", "customer", "", " "];
const CHANNELS: &[&str] = &[
    "base-jp",
    "imweb-kr",
    "payco",
    "youcan-ma",
    "wiz",
    "bad name",
    "ß",
    "",
];
const REMOTE_IDS: &[&str] = &[
    "154D88A39E454289",
    "202611220001",
    "imp_123456789012",
    "9b1f2c34-5d6e-4a7b-8c9d-0e1f2a3b4c5d",
    "",
    "a\nb",
];
/// Not RFC 3339 for certain.
const BAD_TIMES: &[&str] = &[
    "",
    "yesterday",
    "2026-11-22",
    "2026-11-22T10:00:00",
    "2026-13-01T00:00:00Z",
    "2026-11-22T10:00Z",
    "1700000000",
];
const EXTRA_KEYS: &[&str] = &["timestamp", "x_extra", "source", "meta", "Order_id"];

/// What the model expects of the parser.
#[derive(Debug, Default)]
struct Model {
    /// A rule is broken: `invalid_event`.
    invalid: Vec<String>,
    /// Something the model does not decide.
    unknown: Vec<String>,
    kind: Option<String>,
    order_id: Option<String>,
    status: Option<Status>,
    updated_at: Option<Timestamp>,
    payment_method: Option<String>,
    items: Option<Vec<(String, Option<u32>, Status)>>,
    shipment: Option<(String, Option<Vec<String>>)>,
    cancel: Option<(Option<String>, Option<String>)>,
    links: Vec<(String, String, BTreeMap<String, String>)>,
}

/// A string-valued field as generated.
enum Field {
    Absent,
    Null,
    WrongType(Value),
    Text(String),
}

struct Gen<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    model: Model,
    /// Half the inputs keep to the vocabulary (no wrong types, nulls, missing fields or
    /// arbitrary text), so that whole valid payloads are common, not rare.
    calm: bool,
}

fn text_id_ok(text: &str, max: usize) -> bool {
    !text.is_empty() && text.chars().count() <= max && !text.chars().any(char::is_control)
}

fn channel_ok(text: &str) -> bool {
    text_id_ok(text, 64)
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn status_of(text: &str) -> Option<Status> {
    Status::ALL.into_iter().find(|s| s.as_str() == text)
}

impl Gen<'_, '_> {
    fn invalid(&mut self, why: impl Into<String>) {
        self.model.invalid.push(why.into());
    }

    fn unknown(&mut self, why: impl Into<String>) {
        self.model.unknown.push(why.into());
    }

    fn pick(&mut self, from: &[&str]) -> Result<String> {
        Ok(self.u.choose(from)?.to_string())
    }

    fn wrong_type(&mut self) -> Result<Value> {
        Ok(match self.u.int_in_range(0..=3u8)? {
            0 => json!(self.u.arbitrary::<i64>()?),
            1 => json!(self.u.arbitrary::<bool>()?),
            2 => json!([]),
            _ => json!({}),
        })
    }

    /// A value for a string field: mostly from `dict`, sometimes arbitrary text (and,
    /// for long ids, `long` characters), sometimes absent, null or of another type.
    fn string_field(&mut self, dict: &[&str]) -> Result<Field> {
        if self.calm {
            return Ok(Field::Text(self.pick(dict)?));
        }
        Ok(match self.u.int_in_range(0..=15u8)? {
            0 => Field::Absent,
            1 => Field::Null,
            2 => Field::WrongType(self.wrong_type()?),
            3..=4 => Field::Text(self.u.arbitrary::<String>()?),
            5 => {
                let len = self.u.int_in_range(120..=260usize)?;
                let c = *self.u.choose(&['x', 'é', '주', ' '])?;
                Field::Text(std::iter::repeat_n(c, len).collect())
            }
            _ => Field::Text(self.pick(dict)?),
        })
    }

    /// A required string: absent, null and other types break the rule; text is judged
    /// by `ok`. Returns the text when it is acceptable.
    fn required(
        &mut self,
        object: &mut Map<String, Value>,
        key: &str,
        path: &str,
        dict: &[&str],
        ok: impl Fn(&str) -> bool,
    ) -> Result<Option<String>> {
        match self.string_field(dict)? {
            Field::Absent => self.invalid(format!("{path} missing")),
            Field::Null => {
                object.insert(key.into(), Value::Null);
                self.invalid(format!("{path} null"));
            }
            Field::WrongType(value) => {
                object.insert(key.into(), value);
                self.invalid(format!("{path} wrong type"));
            }
            Field::Text(text) => {
                object.insert(key.into(), json!(text));
                if ok(&text) {
                    return Ok(Some(text));
                }
                self.invalid(format!("{path} refused"));
            }
        }
        Ok(None)
    }

    /// An optional string: absent and null are fine.
    fn optional(
        &mut self,
        object: &mut Map<String, Value>,
        key: &str,
        path: &str,
        dict: &[&str],
        ok: impl Fn(&str) -> bool,
    ) -> Result<Option<String>> {
        match self.string_field(dict)? {
            Field::Absent => {}
            Field::Null => {
                object.insert(key.into(), Value::Null);
            }
            Field::WrongType(value) => {
                object.insert(key.into(), value);
                self.invalid(format!("{path} wrong type"));
            }
            Field::Text(text) => {
                object.insert(key.into(), json!(text));
                if ok(&text) {
                    return Ok(Some(text));
                }
                self.invalid(format!("{path} refused"));
            }
        }
        Ok(None)
    }

    /// Unknown extra fields, which the parser ignores.
    fn extras(&mut self, object: &mut Map<String, Value>) -> Result<()> {
        for _ in 0..self.u.int_in_range(0..=2u8)? {
            let key = self.pick(EXTRA_KEYS)?;
            let value = match self.u.int_in_range(0..=2u8)? {
                0 => json!(self.u.arbitrary::<String>()?),
                1 => self.wrong_type()?,
                _ => Value::Null,
            };
            object.entry(key).or_insert(value);
        }
        Ok(())
    }

    /// Whether an optional object (or, with `list`, array) is there: `Some(true)` to
    /// generate it, `Some(false)` for null or another type (which breaks the rule),
    /// `None` for absent.
    fn slot(
        &mut self,
        parent: &mut Map<String, Value>,
        key: &str,
        path: &str,
        list: bool,
    ) -> Result<Option<bool>> {
        if self.calm {
            return Ok(self.u.arbitrary::<bool>()?.then_some(true));
        }
        Ok(match self.u.int_in_range(0..=9u8)? {
            0..=3 => None,
            4 => {
                parent.insert(key.into(), Value::Null);
                Some(false)
            }
            5 => {
                let value = match self.u.int_in_range(0..=2u8)? {
                    0 if list => json!({}),
                    0 => json!([]),
                    1 => json!("x"),
                    _ => json!(1),
                };
                parent.insert(key.into(), value);
                self.invalid(format!("{path} has the wrong type"));
                Some(false)
            }
            _ => Some(true),
        })
    }

    fn timestamp(&mut self, object: &mut Map<String, Value>, key: &str, path: &str) -> Result<()> {
        let choice = match self.calm {
            true => 11,
            false => self.u.int_in_range(0..=11u8)?,
        };
        let text = match choice {
            0 => {
                self.invalid(format!("{path} missing"));
                return Ok(());
            }
            1 => {
                let value = self.wrong_type()?;
                object.insert(key.into(), value);
                self.invalid(format!("{path} wrong type"));
                return Ok(());
            }
            2 => {
                let text = self.u.arbitrary::<String>()?;
                self.unknown(format!("{path} arbitrary"));
                text
            }
            3 => {
                let text = self.pick(BAD_TIMES)?;
                self.invalid(format!("{path} refused"));
                text
            }
            _ => self.rfc3339()?,
        };
        object.insert(key.into(), json!(text));
        self.model.updated_at = Timestamp::parse_rfc3339(&text).ok();
        Ok(())
    }

    /// A valid RFC 3339 date-time, rarely at the edges of the 4-digit years.
    fn rfc3339(&mut self) -> Result<String> {
        let year: u32 = match self.u.int_in_range(0..=15u8)? {
            0 => *self.u.choose(&[0, 1, 9998, 9999])?,
            _ => self.u.int_in_range(1970..=2100)?,
        };
        if !(1..=9998).contains(&year) {
            // An offset can push the UTC instant out of 0000-9999.
            self.unknown(format!("year {year}"));
        }
        let month = self.u.int_in_range(1..=12u32)?;
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let day = self.u.int_in_range(1..=days)?;
        let hour = self.u.int_in_range(0..=23u32)?;
        let minute = self.u.int_in_range(0..=59u32)?;
        let second = self.u.int_in_range(0..=59u32)?;
        let separator = *self.u.choose(&['T', 'T', 'T', 't'])?;
        let fraction = match self.u.int_in_range(0..=9usize)? {
            0 => String::new(),
            digits => {
                let value = self.u.int_in_range(0..=999_999_999u32)?;
                format!(".{:09}", value)[..=digits].to_string()
            }
        };
        let offset = match self.u.int_in_range(0..=5u8)? {
            0..=2 => "Z".to_string(),
            3 => "z".to_string(),
            _ => {
                let sign = *self.u.choose(&['+', '-'])?;
                let hours = self.u.int_in_range(0..=23u32)?;
                let minutes = self.u.int_in_range(0..=59u32)?;
                format!("{sign}{hours:02}:{minutes:02}")
            }
        };
        Ok(format!(
            "{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}{fraction}{offset}"
        ))
    }

    fn quantity(&mut self, object: &mut Map<String, Value>, path: &str) -> Result<Option<u32>> {
        let choice = match self.calm {
            true => *self.u.choose(&[0, 9])?,
            false => self.u.int_in_range(0..=9u8)?,
        };
        let value = match choice {
            0..=1 => return Ok(None),
            2 => Value::Null,
            3 => {
                let n = self.u.int_in_range(u64::from(u32::MAX) + 1..=u64::MAX)?;
                self.invalid(format!("{path} = {n}"));
                json!(n)
            }
            4 => {
                let n = self.u.int_in_range(i64::MIN..=-1)?;
                self.invalid(format!("{path} = {n}"));
                json!(n)
            }
            5 => {
                self.invalid(format!("{path} not an integer"));
                match self.u.int_in_range(0..=2u8)? {
                    0 => json!(1.5),
                    1 => json!("2"),
                    _ => json!(true),
                }
            }
            _ => {
                let n = self.u.arbitrary::<u32>()?;
                object.insert("quantity".into(), json!(n));
                return Ok(Some(n));
            }
        };
        object.insert("quantity".into(), value);
        Ok(None)
    }

    fn items(&mut self, data: &mut Map<String, Value>) -> Result<()> {
        match self.slot(data, "items", "data.items", true)? {
            Some(true) => {}
            _ => return Ok(()),
        }
        let mut seen = BTreeSet::new();
        let mut items = Vec::new();
        let mut model = Vec::new();
        for index in 0..self.u.int_in_range(0..=4u8)? {
            let path = format!("data.items[{index}]");
            if !self.calm && self.u.ratio(1, 20)? {
                items.push(json!(["L1", 1, "paid"]));
                self.invalid(format!("{path} is not an object"));
                continue;
            }
            let mut item = Map::new();
            let id = self.required(&mut item, "id", &format!("{path}.id"), LINE_IDS, |t| {
                text_id_ok(t, 128)
            })?;
            if let Some(id) = &id {
                if !seen.insert(id.clone()) {
                    self.invalid(format!("{path}.id duplicate"));
                }
            }
            let quantity = self.quantity(&mut item, &format!("{path}.quantity"))?;
            let status = self
                .required(
                    &mut item,
                    "status",
                    &format!("{path}.status"),
                    STATUSES,
                    |t| status_of(t).is_some(),
                )?
                .and_then(|text| status_of(&text));
            self.extras(&mut item)?;
            items.push(Value::Object(item));
            if let (Some(id), Some(status)) = (id, status) {
                model.push((id, quantity, status));
            }
        }
        data.insert("items".into(), Value::Array(items));
        self.model.items = Some(model);
        Ok(())
    }

    fn shipment(&mut self, data: &mut Map<String, Value>, dispatched: bool) -> Result<()> {
        let generate = match self.slot(data, "shipment", "data.shipment", false)? {
            Some(true) => true,
            Some(false) => false,
            // Dispatched orders need one: absent less often then.
            None if dispatched && self.u.ratio(3, 4)? => true,
            None => false,
        };
        if !generate {
            if dispatched && !matches!(data.get("shipment"), Some(v) if !v.is_null()) {
                self.invalid("data.shipment required when dispatched");
            }
            return Ok(());
        }
        let mut shipment = Map::new();
        let nonblank = |t: &str| !t.trim().is_empty();
        self.required(
            &mut shipment,
            "carrier",
            "data.shipment.carrier",
            CARRIERS,
            nonblank,
        )?;
        let tracking = self.required(
            &mut shipment,
            "tracking_number",
            "data.shipment.tracking_number",
            TRACKING,
            nonblank,
        )?;
        let item_ids = match self.u.int_in_range(0..=5u8)? {
            0..=1 => None,
            2 => {
                shipment.insert("item_ids".into(), Value::Null);
                None
            }
            3 if !self.calm => {
                shipment.insert("item_ids".into(), json!("L1"));
                self.invalid("data.shipment.item_ids not a list");
                None
            }
            _ => {
                let mut ids = Vec::new();
                let mut values = Vec::new();
                for index in 0..self.u.int_in_range(0..=3u8)? {
                    let path = format!("data.shipment.item_ids[{index}]");
                    let mut holder = Map::new();
                    if let Some(id) =
                        self.required(&mut holder, "v", &path, LINE_IDS, |t| text_id_ok(t, 128))?
                    {
                        ids.push(id);
                    }
                    // A missing entry cannot be in a list: put null there instead.
                    values.push(holder.remove("v").unwrap_or(Value::Null));
                }
                shipment.insert("item_ids".into(), Value::Array(values));
                Some(ids)
            }
        };
        self.extras(&mut shipment)?;
        data.insert("shipment".into(), Value::Object(shipment));
        if let Some(tracking) = tracking {
            self.model.shipment = Some((tracking.trim().to_string(), item_ids));
        }
        Ok(())
    }

    fn cancel(&mut self, data: &mut Map<String, Value>) -> Result<()> {
        match self.slot(data, "cancel", "data.cancel", false)? {
            Some(true) => {}
            _ => return Ok(()),
        }
        let mut cancel = Map::new();
        let reason = self.optional(&mut cancel, "reason", "data.cancel.reason", REASONS, |t| {
            !t.trim().is_empty()
        })?;
        let note = self.optional(&mut cancel, "note", "data.cancel.note", REASONS, |_| true)?;
        self.extras(&mut cancel)?;
        data.insert("cancel".into(), Value::Object(cancel));
        self.model.cancel = Some((reason, note));
        Ok(())
    }

    fn links(&mut self, data: &mut Map<String, Value>) -> Result<()> {
        match self.slot(data, "links", "data.links", true)? {
            Some(true) => {}
            _ => return Ok(()),
        }
        let mut seen = BTreeSet::new();
        let mut links = Vec::new();
        for index in 0..self.u.int_in_range(0..=3u8)? {
            let path = format!("data.links[{index}]");
            let mut link = Map::new();
            let channel = self.required(
                &mut link,
                "channel",
                &format!("{path}.channel"),
                CHANNELS,
                channel_ok,
            )?;
            if let Some(channel) = &channel {
                if !seen.insert(channel.clone()) {
                    self.invalid(format!("{path}.channel duplicate"));
                }
            }
            let order_id = self.required(
                &mut link,
                "order_id",
                &format!("{path}.order_id"),
                REMOTE_IDS,
                |t| text_id_ok(t, 128),
            )?;
            let mut items = BTreeMap::new();
            match self.u.int_in_range(0..=4u8)? {
                0..=1 => {}
                2 if !self.calm => {
                    link.insert("items".into(), Value::Null);
                }
                _ => {
                    let mut map = Map::new();
                    for _ in 0..self.u.int_in_range(0..=2u8)? {
                        let line = match !self.calm && self.u.ratio(1, 4)? {
                            true => self.u.arbitrary::<String>()?,
                            false => self.pick(LINE_IDS)?,
                        };
                        if map.contains_key(&line) {
                            // A JSON object has each key once.
                            continue;
                        }
                        let remote = self.required(
                            &mut map,
                            &line,
                            &format!("{path}.items.{line}"),
                            REMOTE_IDS,
                            |t| text_id_ok(t, 128),
                        )?;
                        if !map.contains_key(&line) {
                            // "Absent" for a map entry: null stands in, a rule broken too.
                            map.insert(line.clone(), Value::Null);
                        }
                        if !text_id_ok(&line, 128) {
                            self.invalid(format!("{path}.items key"));
                        }
                        if let Some(remote) = remote {
                            items.insert(line, remote);
                        }
                    }
                    link.insert("items".into(), Value::Object(map));
                }
            }
            self.extras(&mut link)?;
            links.push(Value::Object(link));
            if let (Some(channel), Some(order_id)) = (channel, order_id) {
                self.model.links.push((channel, order_id, items));
            }
        }
        data.insert("links".into(), Value::Array(links));
        Ok(())
    }

    fn payload(&mut self) -> Result<Value> {
        let mut root = Map::new();
        self.model.kind =
            self.required(&mut root, "type", "type", TYPES, |t| !t.trim().is_empty())?;
        if !self.calm && self.u.ratio(1, 40)? {
            root.insert("data".into(), json!(["1001", "paid"]));
            self.invalid("data is not an object");
            self.extras(&mut root)?;
            return Ok(Value::Object(root));
        }
        let mut data = Map::new();
        self.model.order_id =
            self.required(&mut data, "order_id", "data.order_id", ORDER_IDS, |t| {
                text_id_ok(t, 128)
            })?;
        self.model.status = self
            .required(&mut data, "status", "data.status", STATUSES, |t| {
                status_of(t).is_some()
            })?
            .and_then(|text| status_of(&text));
        self.timestamp(&mut data, "updated_at", "data.updated_at")?;
        self.model.payment_method = self.optional(
            &mut data,
            "payment_method",
            "data.payment_method",
            PAYMENTS,
            |t| PAYMENTS[..8].contains(&t),
        )?;
        self.items(&mut data)?;
        let dispatched = self.model.status == Some(Status::Dispatched);
        self.shipment(&mut data, dispatched)?;
        self.cancel(&mut data)?;
        self.links(&mut data)?;
        self.extras(&mut data)?;
        root.insert("data".into(), Value::Object(data));
        self.extras(&mut root)?;
        Ok(Value::Object(root))
    }
}

fn generate(data: &[u8]) -> Option<(Vec<u8>, Model)> {
    let mut u = Unstructured::new(data);
    let calm = u.arbitrary::<bool>().ok()?;
    let mut generator = Gen {
        u: &mut u,
        model: Model::default(),
        calm,
    };
    let payload = generator.payload().ok()?;
    let body = serde_json::to_vec(&payload).expect("a Value serializes");
    Some((body, generator.model))
}

/// The payload an input stands for (for the harness's own tests).
pub fn payload_bytes(data: &[u8]) -> Option<Vec<u8>> {
    generate(data).map(|(body, _)| body)
}

pub fn run(data: &[u8]) {
    let Some((body, model)) = generate(data) else {
        return;
    };
    let event_id = EventId::parse(canonical::EVENT_ID).expect("a valid id");
    let result = parse_canonical(event_id, &body);
    let shown = || String::from_utf8_lossy(&body).into_owned();
    match result {
        Err(error) => {
            assert_eq!(
                error.code(),
                "invalid_event",
                "JSON refused as {error:?}: {}",
                shown()
            );
            assert!(
                !model.invalid.is_empty() || !model.unknown.is_empty(),
                "a valid payload was refused: {error}: {}",
                shown()
            );
        }
        Ok(event) => {
            assert!(
                model.invalid.is_empty(),
                "accepted although {:?}: {}",
                model.invalid,
                shown()
            );
            if model.unknown.is_empty() {
                matches_model(&event, &model, &shown());
            }
            canonical::accepted(&event);
        }
    }
}

/// A valid payload's event has the fields that were sent.
fn matches_model(event: &OrderEvent, model: &Model, body: &str) {
    let context = || format!("event {event:?} from {body}");
    assert_eq!(Some(&event.kind), model.kind.as_ref(), "{}", context());
    assert_eq!(
        Some(event.order_id.as_str()),
        model.order_id.as_deref(),
        "{}",
        context()
    );
    assert_eq!(Some(event.status), model.status, "{}", context());
    assert_eq!(Some(event.updated_at), model.updated_at, "{}", context());
    assert_eq!(
        event.payment_method.map(|m| m.as_str()),
        model.payment_method.as_deref(),
        "{}",
        context()
    );
    let items = event.items.as_ref().map(|items| {
        items
            .iter()
            .map(|i| (i.id.as_str().to_string(), i.quantity, i.status))
            .collect::<Vec<_>>()
    });
    assert_eq!(items, model.items, "{}", context());
    let shipment = event.shipment.as_ref().map(|s| {
        (
            s.shipment.tracking_number.clone(),
            s.item_ids
                .as_ref()
                .map(|ids| ids.iter().map(|id| id.as_str().to_string()).collect()),
        )
    });
    assert_eq!(shipment, model.shipment, "{}", context());
    if let Some(update) = &event.shipment {
        assert!(!update.shipment.carrier.trim().is_empty(), "{}", context());
    }
    let cancel = event
        .cancel
        .as_ref()
        .map(|c| (c.reason.clone(), c.note.clone()));
    assert_eq!(cancel, model.cancel, "{}", context());
    let links: Vec<_> = event
        .links
        .iter()
        .map(|l| {
            (
                l.channel.as_str().to_string(),
                l.order_id.as_str().to_string(),
                l.items
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.as_str().to_string()))
                    .collect::<BTreeMap<_, _>>(),
            )
        })
        .collect();
    assert_eq!(links, model.links, "{}", context());
}
