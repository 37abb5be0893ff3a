//! The one error type of the core. Every failure the core reports is an [`Error`] with a
//! stable [`ErrorCode`]; the bindings map it to a JavaScript `EdgeCacheError` in one place.

use std::fmt;

/// Stable error codes, as JavaScript sees them in `EdgeCacheError.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// A constructor option is missing, of the wrong type or out of range.
    Config,
    /// A key is empty, of the wrong type or too long.
    Key,
    /// A value cannot be cached (undefined, not serialisable, too large).
    Value,
    /// A per-call option (ttl, size, ...) is invalid.
    Argument,
}

impl ErrorCode {
    /// The code string JavaScript sees, e.g. `"E_CONFIG"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Config => "E_CONFIG",
            ErrorCode::Key => "E_KEY",
            ErrorCode::Value => "E_VALUE",
            ErrorCode::Argument => "E_ARGUMENT",
        }
    }
}

/// A failure with a code and a message that says how to fix the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// An invalid constructor option.
    pub fn config(message: impl Into<String>) -> Self {
        Error {
            code: ErrorCode::Config,
            message: message.into(),
        }
    }

    /// An invalid per-call argument.
    pub fn argument(message: impl Into<String>) -> Self {
        Error {
            code: ErrorCode::Argument,
            message: message.into(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable message, including how to fix the call.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias of the core.
pub type Result<T> = std::result::Result<T, Error>;
