//! One flat JSON object per line: the event's fields and those of every span it happens
//! in (`order_id`, `channel`, `event_id`, `source`, `task` ...) side by side at the top
//! level, so journald / Loki / jq can filter on them without knowing which span set
//! which field. tracing-subscriber's own JSON format nests span fields under `span` /
//! `spans` instead.
//!
//! Span fields are kept by the fmt layer as JSON text (`JsonFields`); the innermost value
//! wins, and the event's own fields win over any span's.

use serde_json::{Map, Value};
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

pub struct FlatJson;

impl<S> FormatEvent<S, JsonFields> for FlatJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        let timestamp = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|_| fmt::Error)?;
        line.insert("timestamp".into(), timestamp.into());
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("target".into(), meta.target().into());
        event.record(&mut Fields(&mut line));
        if let Some(scope) = ctx.event_scope() {
            let mut innermost = None;
            for span in scope {
                innermost.get_or_insert(span.name());
                let extensions = span.extensions();
                let Some(fields) = extensions.get::<FormattedFields<JsonFields>>() else {
                    continue;
                };
                if let Ok(Value::Object(fields)) = serde_json::from_str(fields) {
                    for (name, value) in fields {
                        line.entry(name).or_insert(value);
                    }
                }
            }
            if let Some(name) = innermost {
                line.entry("span").or_insert(name.into());
            }
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Records an event's fields as JSON values.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Fields<'_> {
    fn put(&mut self, field: &Field, value: Value) {
        match field.name() {
            // Records of the `log` crate (sled, mio) arrive as events of target "log"
            // with the real target in a field.
            "log.target" => {
                self.0.insert("target".into(), value);
            }
            "log.module_path" | "log.file" | "log.line" => {}
            name => {
                self.0.insert(name.to_string(), value);
            }
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

// A subscriber formatting into a buffer, so the shape of a line can be checked.
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn span_fields_are_flattened_and_the_innermost_wins() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(JsonFields::new())
            .event_format(FlatJson)
            .with_writer(buffer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let outer = tracing::info_span!(
                "attempt",
                order_id = tracing::field::Empty,
                channel = "outer"
            );
            let _outer = outer.enter();
            outer.record("order_id", "1001");
            let inner = tracing::info_span!("deliver", channel = "wiz", task = 7u64);
            let _inner = inner.enter();
            tracing::warn!(status = "paid", attempts = 2, "delivery will be retried");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["message"], "delivery will be retried");
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["order_id"], "1001");
        assert_eq!(line["channel"], "wiz");
        assert_eq!(line["task"], 7);
        assert_eq!(line["status"], "paid");
        assert_eq!(line["attempts"], 2);
        assert_eq!(line["span"], "deliver");
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "{line}");
    }
}
