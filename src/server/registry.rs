//! Id and name bookkeeping shared by sessions and batches (`SES/SessionManager.scala`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::batch::Batch;
use super::error::ApiError;
use super::session::Session;

/// Something a registry holds.
pub(crate) trait Registered {
    fn name(&self) -> Option<&str>;
}

impl Registered for Session {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl Registered for Batch {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// Sessions (or batches) by id, with Livy's id counter and unique names.
pub(crate) struct Registry<T> {
    inner: Mutex<Inner<T>>,
}

struct Inner<T> {
    next_id: u64,
    items: BTreeMap<u64, Arc<T>>,
}

impl<T: Registered> Registry<T> {
    pub fn new() -> Self {
        Registry {
            inner: Mutex::new(Inner {
                next_id: 0,
                items: BTreeMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the next id, checks the name is free and stores what `make` builds. The id is
    /// used up even when the name is a duplicate, as in Livy.
    pub fn register(&self, name: Option<&str>, make: impl FnOnce(u64) -> Arc<T>) -> Result<Arc<T>, ApiError> {
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        if let Some(name) = name
            && inner.items.values().any(|item| item.name() == Some(name))
        {
            return Err(ApiError::bad_request(format!(
                "Duplicate session name: Some({name}) for session {id}"
            )));
        }
        let item = make(id);
        inner.items.insert(id, item.clone());
        Ok(item)
    }

    /// Forgets everything and counts ids from 0 again, as Livy does when it restarts without
    /// session recovery. Returns what was forgotten, for the caller to stop.
    pub fn forget_all(&self) -> Vec<Arc<T>> {
        let mut inner = self.lock();
        inner.next_id = 0;
        std::mem::take(&mut inner.items).into_values().collect()
    }

    /// Finds by id (an all-digit key) or by name; 404 `{"msg"}` otherwise.
    pub fn lookup(&self, key: &str) -> Result<Arc<T>, ApiError> {
        let inner = self.lock();
        let found = if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            key.parse::<u64>().ok().and_then(|id| inner.items.get(&id).cloned())
        } else {
            inner.items.values().find(|item| item.name() == Some(key)).cloned()
        };
        found.ok_or_else(|| ApiError::session_not_found(key))
    }

    /// By numeric id.
    pub fn get(&self, id: u64) -> Option<Arc<T>> {
        self.lock().items.get(&id).cloned()
    }

    /// Removes by id.
    pub fn remove(&self, id: u64) -> Option<Arc<T>> {
        self.lock().items.remove(&id)
    }

    /// Everything, by id.
    pub fn all(&self) -> Vec<Arc<T>> {
        self.lock().items.values().cloned().collect()
    }
}
