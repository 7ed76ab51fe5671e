//! Human durations as Kubernetes users write them: `90s`, `2m`, `1m30s`, `500ms`, `1h`.
//! A bare integer means seconds. Hand-written because the format is tiny and Go-style
//! (`1m30s`, no spaces) is what users copy from kubectl and Chainsaw.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;
use std::time::Duration;

/// A duration read from a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

/// The longest duration kdrill accepts anywhere (a week): a longer timeout is a
/// typo, and beyond it additions of durations could overflow.
pub const MAX: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("expected a duration such as `30s`, `2m` or `1m30s`, got an empty string")]
    Empty,
    #[error("expected a duration such as `30s`, `2m` or `1m30s`, got `{0}`")]
    NotADuration(String),
    #[error("`{number}` is not a number in duration `{text}`")]
    BadNumber { number: String, text: String },
    #[error("missing unit in duration `{0}` (use ms, s, m or h)")]
    MissingUnit(String),
    #[error("unknown unit `{unit}` in duration `{text}` (use ms, s, m or h)")]
    UnknownUnit { unit: String, text: String },
    #[error("a duration cannot be negative")]
    Negative,
    #[error("`{0}` is longer than kdrill allows (at most 168h, a week)")]
    TooLong(String),
}

/// Parse `1m30s`-style text, at most [`MAX`].
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    let too_long = || DurationError::TooLong(t.to_string());
    if t.chars().all(|c| c.is_ascii_digit()) {
        let secs = t.parse::<u64>().map_err(|_| too_long())?;
        return bounded(secs as f64).ok_or_else(too_long);
    }
    let mut total = 0.0_f64;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(DurationError::NotADuration(text.to_string()));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| DurationError::BadNumber {
                number: rest[..digits].to_string(),
                text: text.to_string(),
            })?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(DurationError::MissingUnit(text.to_string())),
            other => {
                return Err(DurationError::UnknownUnit {
                    unit: other.to_string(),
                    text: text.to_string(),
                })
            }
        };
        total += number * scale;
    }
    bounded(total).ok_or_else(too_long)
}

/// `secs` as a duration, when it is a finite number of seconds within [`MAX`].
fn bounded(secs: f64) -> Option<Duration> {
    (secs.is_finite() && (0.0..=MAX.as_secs_f64()).contains(&secs))
        .then(|| Duration::from_secs_f64(secs))
}

/// Render a duration compactly for humans (`1.2s`, `2m03s`).
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let m = d.as_secs() / 60;
        let s = d.as_secs() % 60;
        format!("{m}m{s:02}s")
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as `30s`, `2m`, `1m30s` or a number of seconds")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                bounded(v as f64)
                    .map(HumanDuration)
                    .ok_or_else(|| E::custom(DurationError::TooLong(format!("{v}s"))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                if v < 0 {
                    return Err(E::custom(DurationError::Negative));
                }
                self.visit_u64(v.unsigned_abs())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v < 0.0 {
                    return Err(E::custom(DurationError::Negative));
                }
                bounded(v)
                    .map(HumanDuration)
                    .ok_or_else(|| E::custom(DurationError::TooLong(format!("{v}s"))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                parse_duration(v).map(HumanDuration).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Go-style text that reads back as the same duration: `1m30s`, `500ms`, `2h`.
pub fn spec_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

impl serde::Serialize for HumanDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&spec_text(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("15").unwrap(), Duration::from_secs(15));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
    }

    #[test]
    fn rejects_bad_durations_with_a_reason() {
        let e = |t: &str| parse_duration(t).unwrap_err().to_string();
        assert!(e("").contains("empty"));
        assert!(e("10x").contains("unknown unit `x`"));
        assert!(e("m").contains("expected a duration"));
        assert!(e("1m30").contains("missing unit"));
    }

    /// Out-of-range durations panicked (`Duration::from_secs_f64` overflows) in
    /// lint, list, run and --dry-run; now they are errors saying the bound.
    #[test]
    fn durations_are_bounded_instead_of_overflowing() {
        for t in [
            "99999999999999999999s",
            "99999999999999999999",
            "169h",
            "10000000m",
        ] {
            let err = parse_duration(t).unwrap_err();
            assert!(matches!(err, DurationError::TooLong(_)), "{t}: {err}");
        }
        assert!(parse_duration("1e30s").is_err());
        assert_eq!(parse_duration("168h").unwrap(), MAX);
        for y in ["1e30", "1e25", "99999999999999999999", "-5", "1.0e300"] {
            let r: Result<HumanDuration, _> = serde_yaml::from_str(y);
            assert!(r.is_err(), "{y} was accepted");
        }
        let ok: HumanDuration = serde_yaml::from_str("90").unwrap();
        assert_eq!(ok.0, Duration::from_secs(90));
    }

    #[test]
    fn spec_text_reads_back() {
        for t in ["1m30s", "500ms", "2h", "45s", "1h0m5s", "1500ms"] {
            let d = parse_duration(t).unwrap();
            assert_eq!(parse_duration(&spec_text(d)).unwrap(), d, "{t}");
        }
        assert_eq!(spec_text(Duration::from_secs(90)), "1m30s");
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(format_duration(Duration::from_secs(123)), "2m03s");
    }
}
