//! Carriers: the canonical ids of `carriers.tsv` (embedded), each marketplace's code or
//! names for them, and lookup from whatever a storefront sends (id, alias or name).

use std::sync::OnceLock;

const TABLE: &str = include_str!("carriers.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    /// Canonical id (`sagawa`, `cj`, ...).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// imweb `parcel_code`, when imweb knows this carrier.
    pub imweb_code: Option<&'static str>,
    /// Names BASE uses in `GET /1/delivery_companies`.
    pub base_names: Vec<&'static str>,
    pub aliases: Vec<&'static str>,
}

fn split_list(field: &'static str) -> Vec<&'static str> {
    field
        .split('|')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect()
}

fn parse_table() -> Vec<Carrier> {
    TABLE
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('\t');
            let mut next = || fields.next().unwrap_or("").trim();
            let (id, name, imweb, base, aliases) = (next(), next(), next(), next(), next());
            Carrier {
                id,
                name,
                imweb_code: (!imweb.is_empty()).then_some(imweb),
                base_names: split_list(base),
                aliases: split_list(aliases),
            }
        })
        .collect()
}

/// All known carriers, in table order.
pub fn all() -> &'static [Carrier] {
    static CARRIERS: OnceLock<Vec<Carrier>> = OnceLock::new();
    CARRIERS.get_or_init(parse_table)
}

fn normalise(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Finds a carrier by canonical id, alias, display name or BASE name (case-insensitive).
pub fn lookup(text: &str) -> Option<&'static Carrier> {
    let wanted = normalise(text);
    if wanted.is_empty() {
        return None;
    }
    let carriers = all();
    carriers.iter().find(|c| c.id == wanted).or_else(|| {
        carriers.iter().find(|c| {
            normalise(c.name) == wanted
                || c.aliases.iter().any(|a| normalise(a) == wanted)
                || c.base_names.iter().any(|b| normalise(b) == wanted)
        })
    })
}

/// The imweb `parcel_code` for a carrier as the primary named it; `None` means unmapped
/// (the connector sends imweb's `ETC` and counts it).
pub fn imweb_code(text: &str) -> Option<&'static str> {
    lookup(text).and_then(|c| c.imweb_code)
}

/// A human name for the carrier, for comments and seller notes.
pub fn display_name(text: &str) -> String {
    lookup(text)
        .map(|c| c.name.to_string())
        .unwrap_or_else(|| text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete() {
        let carriers = all();
        assert_eq!(carriers.len(), 34, "one per row of carriers.tsv");
        for c in carriers {
            assert!(!c.id.is_empty() && !c.name.is_empty(), "{c:?}");
        }
    }

    #[test]
    fn lookup_by_id_alias_and_name() {
        assert_eq!(lookup("sagawa").unwrap().id, "sagawa");
        assert_eq!(lookup("Sagawa Express").unwrap().id, "sagawa");
        assert_eq!(lookup("佐川急便").unwrap().id, "sagawa");
        assert_eq!(lookup("クロネコヤマト").unwrap().id, "yamato");
        assert_eq!(lookup("CJ대한통운").unwrap().id, "cj");
        assert_eq!(lookup(" DHL Express ").unwrap().id, "dhl");
        assert!(lookup("pigeon post").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn imweb_codes() {
        assert_eq!(imweb_code("cj"), Some("CJ"));
        assert_eq!(imweb_code("우체국택배"), Some("EPOST"));
        assert_eq!(imweb_code("sagawa"), None);
        assert_eq!(imweb_code("other"), Some("ETC"));
    }

    #[test]
    fn base_names() {
        assert!(lookup("yamato")
            .unwrap()
            .base_names
            .contains(&"クロネコヤマト"));
        assert!(lookup("cj").unwrap().base_names.is_empty());
    }
}
