//! The middle test tier: kdrill's steps and executor against a fake Kubernetes API
//! (tests/mock), through kdrill's real client, without a cluster. Each test is
//! named for the behaviour it proves.

#[path = "../mock/mod.rs"]
mod mock;

mod apply;
mod cleanup;
mod crd;
mod run;
mod schedule;
mod steps;
mod throttle;
mod waits;
