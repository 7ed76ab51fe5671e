//! The live terminal display (indicatif): one spinner per running scenario with its
//! current step and elapsed time; finished scenarios print their block above the
//! spinners. Used only when stdout is a terminal and not in CI; otherwise the plain
//! append-only lines of [`super::human`] are printed.

use super::human::{Human, Verbosity};
use super::Report;
use crate::executor::event::Event;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::time::Duration;

pub struct Live {
    multi: MultiProgress,
    bars: HashMap<usize, ProgressBar>,
    human: Human<Vec<u8>>,
    style: ProgressStyle,
}

impl Live {
    pub fn new(verbosity: Verbosity, colour: bool) -> Live {
        let style =
            ProgressStyle::with_template("{spinner:.cyan} {prefix:.bold} {wide_msg} {elapsed:>4}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Live {
            multi: MultiProgress::new(),
            bars: HashMap::new(),
            human: Human::new(Vec::new(), verbosity).with_colour(colour).live(),
            style,
        }
    }

    pub fn on_event(&mut self, event: &Event, report: &Report) -> std::io::Result<()> {
        match event {
            Event::ScenarioStarted { id, name, .. } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(self.style.clone());
                bar.set_prefix(name.clone());
                bar.set_message("starting");
                bar.enable_steady_tick(Duration::from_millis(120));
                self.bars.insert(*id, bar);
            }
            Event::StepStarted {
                id, number, label, ..
            } => {
                if let Some(bar) = self.bars.get(id) {
                    bar.set_message(format!("step {number}: {label}"));
                }
            }
            Event::CleanupStarted { id } => {
                if let Some(bar) = self.bars.get(id) {
                    bar.set_message("cleaning up: deleting what the scenario created");
                }
            }
            Event::ScenarioFinished { id, .. } | Event::ScenarioSkipped { id, .. } => {
                if let Some(bar) = self.bars.remove(id) {
                    bar.finish_and_clear();
                }
            }
            _ => {}
        }
        self.human.on_event(event, report)?;
        let text = std::mem::take(self.human.writer());
        if !text.is_empty() {
            let text = String::from_utf8_lossy(&text);
            self.multi.println(text.trim_end_matches('\n'))?;
        }
        Ok(())
    }
}
