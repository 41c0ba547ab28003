//! `delivery_company_id` for 後払い dispatches: the seller's config override by
//! canonical carrier id, else BASE's `GET /1/delivery_companies` list (read once per
//! process) matched by the carrier table's `base_names`.

use crate::channels::http::HttpResponse;
use crate::domain::{carrier, Outcome, RemoteError};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: u64,
    pub name: String,
}

/// Reads a 2xx `{"delivery_companies": [{"delivery_company_id", "name"}]}`.
pub fn parse(response: &HttpResponse) -> Result<Vec<Company>, Outcome> {
    let body = response.json().unwrap_or_default();
    let Some(list) = body["delivery_companies"].as_array() else {
        return Err(Outcome::Retry {
            after: None,
            rate_limited: false,
            error: RemoteError::new(
                Some("bad_delivery_companies"),
                format!(
                    "delivery company list without delivery_companies: {}",
                    response.snippet()
                ),
            ),
        });
    };
    Ok(list
        .iter()
        .filter_map(|c| {
            let id = c["delivery_company_id"]
                .as_u64()
                .or_else(|| c["delivery_company_id"].as_str()?.trim().parse().ok())?;
            Some(Company {
                id,
                name: c["name"].as_str()?.to_string(),
            })
        })
        .collect())
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The key a seller writes in `delivery_company_ids`: the canonical carrier id, or the
/// carrier text itself when the table does not know it.
pub fn carrier_key(raw: &str) -> String {
    carrier::lookup(raw)
        .map(|c| c.id.to_string())
        .unwrap_or_else(|| raw.trim().to_lowercase())
}

pub fn from_config(overrides: &BTreeMap<String, u64>, raw: &str) -> Option<u64> {
    overrides.get(&carrier_key(raw)).copied()
}

/// Matches by the carrier's BASE names in table order (the first is BASE's own
/// spelling), then by the text the primary sent.
pub fn from_list(companies: &[Company], raw: &str) -> Option<u64> {
    let mut wanted: Vec<String> = carrier::lookup(raw)
        .map(|c| c.base_names.iter().map(|n| normalise(n)).collect())
        .unwrap_or_default();
    wanted.push(normalise(raw));
    wanted.iter().find_map(|name| {
        companies
            .iter()
            .find(|c| normalise(&c.name) == *name)
            .map(|c| c.id)
    })
}

pub fn unmapped(raw: &str) -> Outcome {
    let key = carrier_key(raw);
    Outcome::Rejected(RemoteError::new(
        Some("unmapped_carrier"),
        format!(
            "carrier {raw:?} matches no BASE delivery company; set delivery_company_ids = {{ {key} = <delivery_company_id> }} for this channel"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn list() -> Vec<Company> {
        let body = r#"{"delivery_companies":[
            {"delivery_company_id":1,"name":"クロネコヤマト"},
            {"delivery_company_id":2,"name":"佐川急便"},
            {"delivery_company_id":"3","name":"日本郵便"},
            {"delivery_company_id":9,"name":"その他"},
            {"name":"no id"}]}"#;
        parse(&HttpResponse {
            status: 200,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body),
        })
        .unwrap()
    }

    #[test]
    fn parses_and_skips_incomplete_rows() {
        let ids: Vec<u64> = list().iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![1, 2, 3, 9]);
    }

    #[test]
    fn matches_by_base_names() {
        let companies = list();
        assert_eq!(from_list(&companies, "yamato"), Some(1));
        assert_eq!(from_list(&companies, "Sagawa Express"), Some(2));
        assert_eq!(from_list(&companies, "ゆうパック"), Some(3));
        assert_eq!(from_list(&companies, "other"), Some(9));
        assert_eq!(from_list(&companies, "fukuyama"), None);
        assert_eq!(from_list(&companies, "cj"), None, "no BASE names");
        assert_eq!(from_list(&companies, "pigeon"), None);
    }

    #[test]
    fn overrides_by_canonical_id() {
        let overrides = BTreeMap::from([("fukuyama".to_string(), 7), ("pigeon".to_string(), 8)]);
        assert_eq!(from_config(&overrides, "福山通運"), Some(7));
        assert_eq!(from_config(&overrides, " Pigeon "), Some(8));
        assert_eq!(from_config(&overrides, "yamato"), None);
        let Outcome::Rejected(error) = unmapped("福山通運") else {
            panic!()
        };
        assert!(error.message.contains("fukuyama = <delivery_company_id>"));
    }
}
