//! Chainsaw's JMESPath expressions (`(length(spec.containers))`, `($foo)`,
//! `(join('-', [$a, 'b']))`): parsed into a small syntax tree, then either
//!
//! * evaluated at migration time ([`fold`]), when they only combine constants and
//!   bindings (the test namespace stays a `${NAMESPACE}` in the resulting text), or
//! * translated to CEL ([`to_cel`]) on the object under assertion, or
//! * left for a human, quoted, when neither is mechanical.
//!
//! Functions translated: `length`, `contains`, `starts_with`, `ends_with`, `to_string`,
//! `to_number`, `join`, `semver_compare`, `trim_prefix`, `trim_suffix`, `trim_space`
//! (as CEL's `trim()`), `lower`/`upper`, `keys`, `values`, `abs`; filters `[?...]`,
//! projections `[*]`, `| [0]`, comparisons, `&&`, `||`, `!`.
//!
//! One module per stage: [`parse`] (text to [`J`]), [`fold`] (migration-time values),
//! `translate` (CEL on the object under assertion), `runtime` (text the scenario's shell
//! computes when it runs, [`to_shell`]).

mod fold;
mod parse;
mod runtime;
mod translate;

pub use fold::{escape_vars, fold, server_version_field, Known, Part, Scope};
pub use parse::{expression_of, parse, JError, J};
pub use runtime::to_shell;
pub use translate::{
    cel_field, cel_literal, cel_string, is_boolean, start_cel, to_cel, to_cel_bool, Cx,
};
