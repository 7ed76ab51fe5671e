//! A command line as scenarios write it: one string for `sh -c`, or an argv list.

use serde::Deserialize;
use std::fmt;

/// A command line: one string run by `sh -c`, or an argv list run as is.
#[derive(Debug, Clone)]
pub enum CommandLine {
    Shell(String),
    Argv(Vec<String>),
}

impl CommandLine {
    /// The argv to run.
    pub fn argv(&self) -> Vec<String> {
        match self {
            CommandLine::Shell(s) => vec!["sh".into(), "-c".into(), s.clone()],
            CommandLine::Argv(v) => v.clone(),
        }
    }

    pub fn display(&self) -> String {
        match self {
            CommandLine::Shell(s) => s.clone(),
            CommandLine::Argv(v) => v.join(" "),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            CommandLine::Shell(s) => s.trim().is_empty(),
            CommandLine::Argv(v) => v.is_empty(),
        }
    }
}

impl serde::Serialize for CommandLine {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CommandLine::Shell(text) => s.serialize_str(text),
            CommandLine::Argv(argv) => argv.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CommandLine;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command: one string (run with `sh -c`) or a list of arguments")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CommandLine, E> {
                Ok(CommandLine::Shell(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CommandLine, A::Error> {
                let mut argv = Vec::new();
                // `[sleep, 5]` and `[true]` are arguments too: YAML reads them as numbers and bools
                while let Some(v) = seq.next_element::<serde_yaml::Value>()? {
                    argv.push(match v {
                        serde_yaml::Value::String(s) => s,
                        serde_yaml::Value::Bool(b) => b.to_string(),
                        serde_yaml::Value::Number(n) => n.to_string(),
                        _ => {
                            return Err(de::Error::custom(
                                "each argument of a command must be a string",
                            ))
                        }
                    });
                }
                Ok(CommandLine::Argv(argv))
            }
        }
        d.deserialize_any(V)
    }
}
