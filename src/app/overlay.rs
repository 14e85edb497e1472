//! Modal layers over the notebook (help, questions, the value inspector) and their keys.
//! The app shows at most one (`Overlays`: questions asked meanwhile wait their turn), takes
//! it out while a key is handled, and puts back what the handler returns; each overlay's
//! keys live in its own function below.

use super::events::{CellId, Effect, SessionStartSpec};
use super::{App, QuitPlan};
use crate::livy::SessionId;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;
use std::sync::Arc;

/// A modal layer over the notebook.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// The key help, scrolled down by this many rows.
    Help { scroll: usize },
    /// Quit, deleting the session this notebook created unless the user says no.
    ConfirmQuit { delete_by_default: bool },
    /// One value shown whole (a long table cell, a JSON value): `text` is what is shown
    /// (made safe, maybe cut), `full` what copying takes; scrolled down by `scroll` screen
    /// rows (how far it can go is a fact of the last frame: `ScreenLayout`).
    Inspect {
        title: String,
        text: Arc<String>,
        full: Arc<String>,
        scroll: usize,
    },
    /// Typing the file name to save as.
    SaveAs { input: String },
    /// Quitting with unsaved changes: save, discard or stay.
    ConfirmUnsaved,
    /// A recovery copy newer than the file was found on opening.
    Recover {
        saved_at: std::time::SystemTime,
        notebook: Box<crate::notebook::Notebook>,
    },
    /// The notebook's session is still alive: attach to it or start a new one.
    Reattach { session: SessionId, state: String },
    /// The notebook's session is gone: run again the cells that had run?
    Rerun { session: String, cells: Vec<CellId> },
    /// The server's sessions or batches (`app/panes`).
    Pane(Box<super::panes::Pane>),
}

/// What a key did to the overlay: it stays (changed or not), or it is answered.
type Handled = (Option<Overlay>, Vec<Effect>);

fn stay(overlay: Overlay) -> Handled {
    (Some(overlay), Vec::new())
}

fn close(effects: Vec<Effect>) -> Handled {
    (None, effects)
}

/// The overlay on screen and the questions waiting for it to be answered.
#[derive(Debug, Default)]
pub(super) struct Overlays {
    current: Option<Overlay>,
    later: VecDeque<Overlay>,
}

impl Overlays {
    fn current(&self) -> Option<&Overlay> {
        self.current.as_ref()
    }

    /// Shows a question, or queues it behind the one on screen.
    pub(super) fn offer(&mut self, overlay: Overlay) {
        if self.current.is_none() {
            self.current = Some(overlay);
        } else {
            self.later.push_back(overlay);
        }
    }

    /// Shows `overlay` now, in place of the one on screen.
    pub(super) fn open(&mut self, overlay: Overlay) {
        self.current = Some(overlay);
    }

    /// The sessions or batches pane, when it is on screen (its reports change it).
    pub(super) fn pane_mut(&mut self) -> Option<&mut super::panes::Pane> {
        match self.current.as_mut() {
            Some(Overlay::Pane(pane)) => Some(pane),
            _ => None,
        }
    }

    /// Takes the overlay off the screen (to give it a key).
    fn take(&mut self) -> Option<Overlay> {
        self.current.take()
    }

    /// After a key: the overlay stays as `kept`; or, answered, the next question shows
    /// (unless the answer opened another overlay itself, as saving asks for a name).
    fn next(&mut self, kept: Option<Overlay>) {
        if kept.is_some() {
            self.current = kept;
        } else if self.current.is_none() {
            self.current = self.later.pop_front();
        }
    }
}

impl App {
    /// The overlay on screen.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.current()
    }

    /// Shows a question, or queues it behind the one on screen.
    pub fn offer(&mut self, overlay: Overlay) {
        self.overlays.offer(overlay);
    }

    /// Gives a key to the overlay on screen; false when there is none.
    pub(super) fn overlay_key(&mut self, key: KeyEvent, effects: &mut Vec<Effect>) -> bool {
        let Some(overlay) = self.overlays.take() else {
            return false;
        };
        let (kept, done) = match overlay {
            Overlay::Help { scroll } => self.help_key(scroll, key),
            Overlay::ConfirmQuit { delete_by_default } => self.confirm_quit_key(delete_by_default, key),
            Overlay::Inspect {
                title,
                text,
                full,
                scroll,
            } => self.inspect_key(title, text, full, scroll, key),
            Overlay::SaveAs { input } => self.save_as_key(input, key),
            Overlay::ConfirmUnsaved => self.confirm_unsaved_key(key),
            Overlay::Recover { saved_at, notebook } => self.recover_key(saved_at, notebook, key),
            Overlay::Reattach { session, state } => self.reattach_key(session, state, key),
            Overlay::Rerun { session, cells } => self.rerun_key(session, cells, key),
            Overlay::Pane(pane) => self.pane_key(pane, key),
        };
        effects.extend(done);
        self.overlays.next(kept);
        true
    }

    fn help_key(&mut self, scroll: usize, key: KeyEvent) -> Handled {
        let last = self.keymap.help_rows().len().saturating_sub(1);
        let scroll = match key.code {
            KeyCode::Down | KeyCode::Char('j') => (scroll + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => (scroll + 10).min(last),
            KeyCode::PageUp => scroll.saturating_sub(10),
            _ => return close(Vec::new()),
        };
        stay(Overlay::Help { scroll })
    }

    fn confirm_quit_key(&mut self, delete_by_default: bool, key: KeyEvent) -> Handled {
        let delete = match key.code {
            KeyCode::Char('y' | 'Y') => true,
            KeyCode::Char('n' | 'N') => false,
            KeyCode::Enter => delete_by_default,
            KeyCode::Esc => return close(Vec::new()),
            _ => return stay(Overlay::ConfirmQuit { delete_by_default }),
        };
        let session = delete.then(|| self.session.id.clone()).flatten();
        self.quit = Some(QuitPlan {
            delete_session: session,
        });
        close(Vec::new())
    }

    fn inspect_key(
        &mut self,
        title: String,
        text: Arc<String>,
        full: Arc<String>,
        scroll: usize,
        key: KeyEvent,
    ) -> Handled {
        let last = self.layout.inspect_last_scroll;
        let scroll = match key.code {
            KeyCode::Down | KeyCode::Char('j') => (scroll + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => (scroll + 10).min(last),
            KeyCode::PageUp => scroll.saturating_sub(10),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            KeyCode::Char('y' | 'Y') => return close(self.clipboard(full.to_string(), &title)),
            _ => return close(Vec::new()),
        };
        stay(Overlay::Inspect {
            title,
            text,
            full,
            scroll,
        })
    }

    fn save_as_key(&mut self, mut input: String, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Enter => {
                let typed = input.trim();
                if typed.is_empty() {
                    self.say("type a file name: name.ipynb, or name.py / .scala / .r / .sql for a script");
                    return stay(Overlay::SaveAs { input });
                }
                let path = expand_home(typed);
                if let Err(e) = crate::notebook::Format::from_path(&path) {
                    self.complain(e.to_string());
                    return stay(Overlay::SaveAs { input });
                }
                close(self.save_to(path))
            }
            KeyCode::Esc => {
                self.notebook.document.quit_after_save = false;
                close(Vec::new())
            }
            KeyCode::Backspace => {
                input.pop();
                stay(Overlay::SaveAs { input })
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                input.push(c);
                stay(Overlay::SaveAs { input })
            }
            _ => stay(Overlay::SaveAs { input }),
        }
    }

    fn confirm_unsaved_key(&mut self, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Char('s' | 'S') | KeyCode::Enter => {
                self.notebook.document.quit_after_save = true;
                close(self.save())
            }
            KeyCode::Char('d' | 'D') => {
                self.notebook.document.leaving = true;
                let key = self.notebook.document.recovery_key();
                self.request_quit();
                close(vec![Effect::DiscardRecovery { key }])
            }
            KeyCode::Esc => close(Vec::new()),
            _ => stay(Overlay::ConfirmUnsaved),
        }
    }

    fn recover_key(
        &mut self,
        saved_at: std::time::SystemTime,
        notebook: Box<crate::notebook::Notebook>,
        key: KeyEvent,
    ) -> Handled {
        match key.code {
            KeyCode::Char('r' | 'R') | KeyCode::Enter => close(self.recover(*notebook)),
            KeyCode::Char('d' | 'D') => {
                self.say("dropped the recovered changes");
                close(vec![Effect::DiscardRecovery {
                    key: self.notebook.document.recovery_key(),
                }])
            }
            KeyCode::Esc => {
                self.say("kept the recovery copy; it is offered again next time");
                close(Vec::new())
            }
            _ => stay(Overlay::Recover { saved_at, notebook }),
        }
    }

    fn reattach_key(&mut self, session: SessionId, state: String, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Char('a' | 'A') | KeyCode::Enter => close(self.start_session(SessionStartSpec::Attach(session))),
            KeyCode::Char('n' | 'N') => match self.session_request() {
                Ok(create) => close(self.start_session(SessionStartSpec::Create(Box::new(create)))),
                Err(e) => {
                    self.complain(e.to_string());
                    close(Vec::new())
                }
            },
            _ => stay(Overlay::Reattach { session, state }),
        }
    }

    /// Only its answers close the offer: a stray key must not throw it away unseen. Yes runs
    /// the cells in the order given, stopping at the first that fails.
    fn rerun_key(&mut self, session: String, cells: Vec<CellId>, key: KeyEvent) -> Handled {
        match key.code {
            KeyCode::Char('y' | 'Y' | 'r' | 'R') | KeyCode::Enter => close(self.replay(&cells)),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => close(Vec::new()),
            _ => stay(Overlay::Rerun { session, cells }),
        }
    }
}

/// A typed path with `~/` meaning the home directory.
fn expand_home(typed: &str) -> std::path::PathBuf {
    match (typed.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(typed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(scroll: usize) -> Overlay {
        Overlay::Help { scroll }
    }

    #[test]
    fn questions_wait_their_turn_and_an_answer_shows_the_next() {
        let mut overlays = Overlays::default();
        overlays.offer(help(1));
        overlays.offer(help(2));
        overlays.offer(help(3));
        assert_eq!(overlays.current(), Some(&help(1)));
        // a key that keeps the overlay (changed) leaves the queue alone
        let taken = overlays.take();
        assert_eq!((taken, overlays.current()), (Some(help(1)), None));
        overlays.next(Some(help(10)));
        assert_eq!(overlays.current(), Some(&help(10)));
        // answered: the next question shows
        overlays.take();
        overlays.next(None);
        assert_eq!(overlays.current(), Some(&help(2)));
        // an answer that opened an overlay of its own goes before the waiting ones
        overlays.take();
        overlays.open(Overlay::ConfirmUnsaved);
        overlays.next(None);
        assert_eq!(overlays.current(), Some(&Overlay::ConfirmUnsaved));
        overlays.take();
        overlays.next(None);
        assert_eq!(overlays.current(), Some(&help(3)));
        overlays.take();
        overlays.next(None);
        assert_eq!(overlays.current(), None);
    }
}
