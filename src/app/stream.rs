//! Streaming the store's records to a shell's callback, whose own error type
//! carries the store's failures as [`AppError`]s.

use crate::app::AppError;
use crate::store::StoreError;

/// Either the store failed, or the shell's callback did.
pub(crate) enum Streamed<E> {
    Store(StoreError),
    Sink(E),
}

impl<E> From<StoreError> for Streamed<E> {
    fn from(e: StoreError) -> Self {
        Streamed::Store(e)
    }
}

impl<E: From<AppError>> Streamed<E> {
    /// The shell's error, whichever side failed.
    pub(crate) fn into_sink(self) -> E {
        match self {
            Streamed::Store(e) => E::from(AppError::Store(e)),
            Streamed::Sink(e) => e,
        }
    }
}
