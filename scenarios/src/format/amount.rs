//! Amounts as a scenario file writes them: `"16 DCC"`, `"1.5 DCC"`, `"1000 wei"` or a whole
//! number of DCC; always serialized back as exact wei.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sim_core::Amount;

/// An amount written as a string with a unit (`"16 DCC"`, `"1.5 DCC"`, `"1000 wei"`; no unit
/// means DCC) or as an integer number of whole DCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RawAmount(pub Amount);

impl<'de> Deserialize<'de> for RawAmount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawAmount;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an amount such as \"16 DCC\", \"1.5 DCC\", \"1000 wei\" or a whole number of DCC")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RawAmount, E> {
                s.parse::<Amount>().map(RawAmount).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawAmount, E> {
                Ok(RawAmount(Amount::from_dcc(u128::from(v))))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawAmount, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("amounts cannot be negative, got {v}")))
                    .and_then(|v| self.visit_u64(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for RawAmount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{} wei", self.0.wei()))
    }
}
