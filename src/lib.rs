//! kdrill: declarative scenario tests for Kubernetes, run against a real cluster.
//!
//! Data flows one way: scenario files ([`scenario`]) → the [`executor`], which runs
//! each [`steps`] kind through [`cluster`] and [`wait`] → [`events`] → the [`report`]
//! model and its renderers.

pub mod artifacts;
pub mod cleanup;
pub mod cli;
pub mod cluster;
pub mod command_line;
pub mod commands;
pub mod config;
pub mod diff;
pub mod duration;
pub mod evidence;
pub mod executor;
pub mod expect;
pub mod explain;
pub mod fieldpath;
pub mod host;
pub mod import;
pub mod lint;
pub mod man;
pub mod manifest;
pub mod migrate;
pub mod names;
pub mod objects;
pub mod objref;
pub mod pattern;
pub mod render;
pub mod report;
pub mod rerun;
pub mod safety;
pub mod scenario;
pub mod schema;
pub mod select;
pub mod snapshot;
pub mod steps;
pub mod stop;
pub mod subset;
pub mod text;
pub mod vars;
pub mod wait;
pub mod watch;
