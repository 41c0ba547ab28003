//! What the native adapters share: their keys and the reading of payment gateway names.

use crate::domain::PaymentMethod;
use crate::secret::Secret;
use std::fmt;

/// The vendors' HMAC keys are the shared secret's bytes as configured.
pub(crate) struct VendorKeys(pub(crate) Vec<Vec<u8>>);

impl VendorKeys {
    pub(crate) fn new(secrets: &[Secret]) -> Self {
        Self(
            secrets
                .iter()
                .map(|secret| secret.expose().as_bytes().to_vec())
                .collect(),
        )
    }
}

impl fmt::Debug for VendorKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} redacted]", self.0.len())
    }
}

/// The payment method a gateway name stands for, read the same way for every vendor
/// (case-insensitive, first rule that matches):
///
/// | name contains / is | method |
/// |---|---|
/// | blank | none |
/// | `gift` | other (gift cards are not a way to pay the rest) |
/// | is `cod`; `cash on delivery`, `cash_on_delivery`, `(cod)`, `代引`, `代金引換` | cod |
/// | is `bacs`; `bank deposit`, `bank transfer`, `bank_transfer`, `銀行振込` | bank_transfer |
/// | `konbini`, `convenience`, `コンビニ` | convenience_store |
/// | `paidy`, `atobarai`, `後払い` | deferred |
/// | `carrier billing`, `carrier_billing`, `キャリア決済` | carrier_billing |
/// | `shopify_payments`, `stripe`, `card`, `credit`, `braintree`, `authorize_net`, `adyen`, `square`, `woocommerce_payments`, `youcan_pay`, `bogus` (Shopify's test gateway) | card |
/// | anything else (PayPal, `manual`, `cheque`, ...) | other |
pub(crate) fn payment_from_gateway(name: &str) -> Option<PaymentMethod> {
    let name = name.trim().to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|needle| name.contains(needle));
    let method = if name.is_empty() {
        return None;
    } else if has(&["gift"]) {
        PaymentMethod::Other
    } else if name == "cod"
        || has(&[
            "cash on delivery",
            "cash_on_delivery",
            "(cod)",
            "代引",
            "代金引換",
        ])
    {
        PaymentMethod::Cod
    } else if name == "bacs" || has(&["bank deposit", "bank transfer", "bank_transfer", "銀行振込"])
    {
        PaymentMethod::BankTransfer
    } else if has(&["konbini", "convenience", "コンビニ"]) {
        PaymentMethod::ConvenienceStore
    } else if has(&["paidy", "atobarai", "後払い"]) {
        PaymentMethod::Deferred
    } else if has(&["carrier billing", "carrier_billing", "キャリア決済"]) {
        PaymentMethod::CarrierBilling
    } else if has(&[
        "shopify_payments",
        "stripe",
        "card",
        "credit",
        "braintree",
        "authorize_net",
        "adyen",
        "square",
        "woocommerce_payments",
        "youcan_pay",
        "bogus",
    ]) {
        PaymentMethod::Card
    } else {
        PaymentMethod::Other
    };
    Some(method)
}

/// The first gateway that is not a gift card decides; gift cards only when alone.
pub(crate) fn payment_from_gateways<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Option<PaymentMethod> {
    let methods: Vec<(bool, PaymentMethod)> = names
        .into_iter()
        .filter_map(|name| {
            let gift = name.to_lowercase().contains("gift");
            payment_from_gateway(name).map(|method| (gift, method))
        })
        .collect();
    methods
        .iter()
        .find(|(gift, _)| !gift)
        .or_else(|| methods.first())
        .map(|(_, method)| *method)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentMethod::*;

    #[test]
    fn gateway_names() {
        let cases = [
            ("Cash on Delivery (COD)", Some(Cod)),
            ("cod", Some(Cod)),
            ("Bank Deposit", Some(BankTransfer)),
            ("bacs", Some(BankTransfer)),
            ("shopify_payments", Some(Card)),
            ("stripe_cc", Some(Card)),
            ("bogus", Some(Card)),
            ("KOMOJU - Konbini", Some(ConvenienceStore)),
            ("Paidy", Some(Deferred)),
            ("NP後払い", Some(Deferred)),
            ("paypal", Some(Other)),
            ("manual", Some(Other)),
            ("cheque", Some(Other)),
            ("gift_card", Some(Other)),
            ("  ", None),
        ];
        for (name, expected) in cases {
            assert_eq!(payment_from_gateway(name), expected, "{name}");
        }
        assert_eq!(
            payment_from_gateways(["gift_card", "shopify_payments"]),
            Some(Card)
        );
        assert_eq!(payment_from_gateways(["gift_card"]), Some(Other));
        assert_eq!(payment_from_gateways([]), None);
    }
}
