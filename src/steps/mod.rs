//! Step kinds, one file each, listed once in the registry below. A step gets an
//! immutable [`StepCtx`], does its work, and returns an [`Output`] (what it
//! produced) or a [`StepError`]; its expectations are checked afterwards, the same
//! way for every kind ([`check`]).
//!
//! Adding a step kind: a file here that implements [`StepKind`], one line in
//! `registry!` below, and a section in docs/scenario-format.md (a test fails
//! without it). The loader, lint, the JSON Schema, `explain` and the CLI help all
//! read the registry.

mod check;
mod error;
mod kind;

pub use check::check;
pub use error::{ApiFailure, StepError};
pub use kind::{is_default, Output, Problem, RunInfo, StepCtx, StepKind};

use crate::objref::{KindRef, ObjectRef};

pub use crate::manifest::{MANAGED_BY, RUN_LABEL};

/// Declares the step kinds: each `module::Spec => Variant` line adds the module, a
/// variant of [`Action`], and the kind's place in every table generated from here.
macro_rules! registry {
    ($($module:ident :: $spec:ident => $variant:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// A step's action: one variant per step kind.
        #[derive(Debug, Clone)]
        // a handful of steps per file, built once: boxing variants would only add noise
        #[allow(clippy::large_enum_variant)]
        pub enum Action {
            $($variant($module::$spec),)*
        }

        impl Action {
            /// Every step kind's keyword, in the registry's order.
            pub const KEYWORDS: &'static [&'static str] =
                &[$(<$module::$spec as StepKind>::KEYWORD,)*];

            /// The step kind's keyword in scenario files.
            pub fn keyword(&self) -> &'static str {
                match self {
                    $(Action::$variant(_) => <$module::$spec as StepKind>::KEYWORD,)*
                }
            }

            /// Which `expect` fields this kind produces something for.
            pub fn expectations(&self) -> &'static [crate::expect::ExpectField] {
                match self {
                    $(Action::$variant(_) => <$module::$spec as StepKind>::EXPECTS,)*
                }
            }

            /// Keys of the spec that `${VARS}` expansion leaves as written.
            pub fn verbatim(keyword: &str) -> &'static [&'static str] {
                $(if keyword == <$module::$spec as StepKind>::KEYWORD {
                    return <$module::$spec as StepKind>::VERBATIM;
                })*
                &[]
            }

            /// A short human summary, e.g. `wait pod/nginx phase=Running`.
            pub fn summary(&self) -> String {
                let (keyword, rest) = match self {
                    $(Action::$variant(s) => (<$module::$spec as StepKind>::KEYWORD, s.summary()),)*
                };
                if rest.is_empty() {
                    keyword.to_string()
                } else {
                    format!("{keyword} {rest}")
                }
            }

            /// Structural checks beyond the types, paths under the keyword.
            pub fn validate(&self) -> Vec<Problem> {
                match self {
                    $(Action::$variant(s) => s.validate(),)*
                }
            }

            /// Read the spec under `keyword`; None when no step kind has that keyword.
            pub fn from_value(
                keyword: &str,
                value: serde_yaml::Value,
            ) -> Option<Result<Action, serde_path_to_error::Error<serde_yaml::Error>>> {
                $(if keyword == <$module::$spec as StepKind>::KEYWORD {
                    return Some(serde_path_to_error::deserialize(value).map(Action::$variant));
                })*
                None
            }

            /// The JSON Schema of each kind's spec, by keyword.
            pub fn schemas(
                generator: &mut schemars::SchemaGenerator,
            ) -> Vec<(&'static str, schemars::Schema)> {
                vec![$((
                    <$module::$spec as StepKind>::KEYWORD,
                    generator.subschema_for::<$module::$spec>(),
                ),)*]
            }

            /// The spec under its keyword, as a scenario file would hold it.
            pub fn spec_value(&self) -> Result<serde_yaml::Value, serde_yaml::Error> {
                match self {
                    $(Action::$variant(s) => serde_yaml::to_value(s),)*
                }
            }

            /// Run the step's action once.
            pub async fn run(&self, ctx: &StepCtx<'_>) -> Result<Output, StepError> {
                match self {
                    $(Action::$variant(s) => s.run(ctx).await,)*
                }
            }
        }
    };
}

registry! {
    apply::ApplySpec => Apply,
    patch::PatchSpec => Patch,
    delete::DeleteSpec => Delete,
    wait::WaitSpec => Wait,
    assert::AssertSpec => Assert,
    exec::ExecSpec => Exec,
    logs::LogsSpec => Logs,
    get::GetSpec => Get,
    command::CommandSpec => Command,
    can_i::CanISpec => CanI,
    events::EventsSpec => Events,
    http::HttpSpec => Http,
    port_forward::PortForwardSpec => PortForward,
    sleep::SleepSpec => Sleep,
}

/// What a step addresses: one object by `kind/name`, or every object of a kind with a
/// label selector. Shared by the steps that take either (wait, delete).
pub fn target_summary(
    object: Option<&ObjectRef>,
    kind: Option<&KindRef>,
    selector: Option<&str>,
) -> String {
    match (object, kind, selector) {
        (Some(o), _, _) => o.to_string(),
        (None, Some(k), Some(s)) => format!("{k} -l {s}"),
        _ => String::new(),
    }
}

/// Problems with an object-or-selector target; `object_key` is how the step names
/// its object field (`for`, `object`), `kind_alone` what to say of a kind without selector.
pub fn target_problems(
    keyword: &str,
    object_key: &str,
    object: Option<&ObjectRef>,
    kind: Option<&KindRef>,
    selector: Option<&str>,
    kind_alone: &str,
) -> Vec<Problem> {
    match (object, kind, selector) {
        (Some(_), None, None) | (None, Some(_), Some(_)) => Vec::new(),
        (Some(_), _, _) => vec![Problem::new(
            object_key,
            format!("give either `{object_key}: kind/name` or `kind` with `selector`, not both"),
        )],
        (None, Some(_), None) => vec![Problem::new("kind", kind_alone)],
        _ => vec![Problem::new(
            "",
            format!("`{keyword}` needs `{object_key}: kind/name`, or `kind` and `selector`"),
        )],
    }
}
