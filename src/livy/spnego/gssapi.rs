//! The system GSSAPI library (RFC 2743/2744), loaded at run time: MIT Kerberos
//! (`libgssapi_krb5.so.2`), Heimdal (`libgssapi.so.3`) or Apple's `GSS.framework`. Nothing is
//! linked at build time, so building needs no Kerberos headers, no krb5 dev packages and no
//! libclang; a machine without the library gets an error that names the package to install.
//!
//! Only the calls the SPNEGO handshake needs are declared, by hand, from RFC 2744's C
//! bindings. This is the only place in the crate's Kerberos support with `unsafe`; what it
//! exports is safe: [`Initiator`] (the client side) and, for the test gateway, `Acceptor`.
//!
//! The library is loaded once per process and kept (a `OnceLock`), failure included.

use std::ffi::{CString, c_int, c_void};
use std::fmt;
use std::ptr;
use std::sync::OnceLock;

use libloading::Library;

// ---- the C types (RFC 2744 §3) ----

type OmUint32 = u32;
/// `gss_name_t`, `gss_ctx_id_t`, `gss_cred_id_t`: opaque pointers.
type Handle = *mut c_void;

/// `gss_OID_desc`. Apple's headers wrap the GSS structs in `#pragma pack(push, 2)`, which
/// puts `elements` at offset 4 there (8 elsewhere on 64-bit).
#[cfg_attr(not(target_os = "macos"), repr(C))]
#[cfg_attr(target_os = "macos", repr(C, packed(2)))]
struct OidDesc {
    length: OmUint32,
    elements: *mut c_void,
}

/// `gss_buffer_desc`.
#[cfg_attr(not(target_os = "macos"), repr(C))]
#[cfg_attr(target_os = "macos", repr(C, packed(2)))]
struct BufferDesc {
    length: usize,
    value: *mut c_void,
}

impl BufferDesc {
    fn empty() -> Self {
        BufferDesc {
            length: 0,
            value: ptr::null_mut(),
        }
    }

    /// A buffer that lends `bytes` to the library (which only reads input buffers).
    fn borrowed(bytes: &[u8]) -> Self {
        BufferDesc {
            length: bytes.len(),
            value: bytes.as_ptr() as *mut c_void,
        }
    }
}

type ImportNameFn = unsafe extern "C" fn(*mut OmUint32, *mut BufferDesc, *mut OidDesc, *mut Handle) -> OmUint32;
type InitSecContextFn = unsafe extern "C" fn(
    *mut OmUint32,     // minor_status
    Handle,            // claimant_cred_handle
    *mut Handle,       // context_handle
    Handle,            // target_name
    *mut OidDesc,      // mech_type
    OmUint32,          // req_flags
    OmUint32,          // time_req
    *mut c_void,       // input_chan_bindings
    *mut BufferDesc,   // input_token
    *mut *mut OidDesc, // actual_mech_type
    *mut BufferDesc,   // output_token
    *mut OmUint32,     // ret_flags
    *mut OmUint32,     // time_rec
) -> OmUint32;
type ReleaseBufferFn = unsafe extern "C" fn(*mut OmUint32, *mut BufferDesc) -> OmUint32;
type ReleaseHandleFn = unsafe extern "C" fn(*mut OmUint32, *mut Handle) -> OmUint32;
type DeleteSecContextFn = unsafe extern "C" fn(*mut OmUint32, *mut Handle, *mut BufferDesc) -> OmUint32;
type DisplayStatusFn =
    unsafe extern "C" fn(*mut OmUint32, OmUint32, c_int, *mut OidDesc, *mut OmUint32, *mut BufferDesc) -> OmUint32;

// ---- constants ----

/// `GSS_C_NT_HOSTBASED_SERVICE`, 1.2.840.113554.1.2.1.4 (`service@host`).
const NT_HOSTBASED_SERVICE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x01, 0x04];
/// `GSS_KRB5_NT_PRINCIPAL_NAME`, 1.2.840.113554.1.2.2.1 (`service/host@REALM`).
const NT_KRB5_PRINCIPAL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01];
/// The SPNEGO mechanism, 1.3.6.1.5.5.2.
const MECH_SPNEGO: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];

/// `GSS_C_MUTUAL_FLAG`: the server proves itself too. No `GSS_C_DELEG_FLAG`: the user's
/// ticket is never forwarded to the server.
const FLAG_MUTUAL: OmUint32 = 2;
const GSS_C_GSS_CODE: c_int = 1;
const GSS_C_MECH_CODE: c_int = 2;
const S_CONTINUE_NEEDED: OmUint32 = 1;
const ROUTINE_ERROR_MASK: OmUint32 = 0x00ff_0000;
const CALLING_ERROR_MASK: OmUint32 = 0xff00_0000;
/// Routine errors, shifted (RFC 2744 §3.9.1).
pub const S_NO_CRED: OmUint32 = 7 << 16;
pub const S_CREDENTIALS_EXPIRED: OmUint32 = 11 << 16;
pub const S_FAILURE: OmUint32 = 13 << 16;

/// A `gss_OID_desc` pointing at static DER bytes. The library only reads it; it lives on the
/// caller's stack for the duration of one call.
fn oid(der: &'static [u8]) -> OidDesc {
    OidDesc {
        length: der.len() as OmUint32,
        elements: der.as_ptr() as *mut c_void,
    }
}

fn is_error(major: OmUint32) -> bool {
    major & (ROUTINE_ERROR_MASK | CALLING_ERROR_MASK) != 0
}

// ---- errors ----

/// What went wrong in GSSAPI, worded from the library's own messages.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GssError {
    /// No GSSAPI library could be loaded.
    #[error("no GSSAPI library could be loaded (tried {tried}): {reason}")]
    NoLibrary { tried: String, reason: String },
    /// A call failed; `message` holds the major and minor texts from `gss_display_status`.
    #[error("{call} failed: {message}")]
    Call {
        call: &'static str,
        major: u32,
        minor: u32,
        message: String,
    },
    /// A name that cannot be passed to C (it holds a NUL byte).
    #[error("invalid name {0:?}")]
    BadName(String),
    /// The library lacks a function this use needs.
    #[error("the GSSAPI library {library} has no {function}")]
    Missing { library: String, function: &'static str },
}

impl GssError {
    /// The library's words alone, without the name of the call.
    pub fn text(&self) -> String {
        match self {
            GssError::Call { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// The routine error of a failed call (`GSS_S_NO_CRED`, …), 0 otherwise.
    pub fn routine(&self) -> u32 {
        match self {
            GssError::Call { major, .. } => major & ROUTINE_ERROR_MASK,
            _ => 0,
        }
    }

    /// No ticket, or an expired one: `kinit` fixes it. Decided by the major code, and by the
    /// minor texts MIT and Heimdal give when SPNEGO reports a plain failure.
    pub fn wants_kinit(&self) -> bool {
        let GssError::Call { message, .. } = self else {
            return false;
        };
        if matches!(self.routine(), S_NO_CRED | S_CREDENTIALS_EXPIRED) {
            return true;
        }
        let text = message.to_ascii_lowercase();
        [
            "no kerberos credentials available",
            "no credentials cache found",
            "no credentials were supplied",
            "credentials cache file",
            "ticket expired",
            "credential has expired",
            "credentials have expired",
            "no credentials found",
        ]
        .iter()
        .any(|needle| text.contains(needle))
    }
}

// ---- loading ----

/// The functions, resolved once. The `Library` is kept so they stay valid for the process.
struct Gss {
    _library: Library,
    path: String,
    import_name: ImportNameFn,
    init_sec_context: InitSecContextFn,
    release_buffer: ReleaseBufferFn,
    release_name: ReleaseHandleFn,
    delete_sec_context: DeleteSecContextFn,
    display_status: DisplayStatusFn,
    #[cfg(feature = "testing")]
    acceptor: Option<acceptor::Fns>,
}

/// Names another library file to load instead of the usual ones.
pub const LIBRARY_ENV: &str = "LIVY_TUI_GSSAPI_LIBRARY";

/// Where the library is looked for, in order.
fn candidates() -> Vec<String> {
    if let Some(path) = std::env::var_os(LIBRARY_ENV).filter(|p| !p.is_empty()) {
        return vec![path.to_string_lossy().into_owned()];
    }
    let names: &[&str] = if cfg!(target_os = "macos") {
        &[
            "/System/Library/Frameworks/GSS.framework/GSS",
            "libgssapi_krb5.2.dylib",
            "/opt/homebrew/opt/krb5/lib/libgssapi_krb5.2.dylib",
            "/usr/local/opt/krb5/lib/libgssapi_krb5.2.dylib",
        ]
    } else if cfg!(windows) {
        &["gssapi64.dll", "gssapi32.dll"]
    } else {
        &[
            "libgssapi_krb5.so.2",
            "libgssapi.so.3",
            "libgssapi_krb5.so",
            "libgssapi.so",
        ]
    };
    names.iter().map(|n| n.to_string()).collect()
}

static GSS: OnceLock<Result<Gss, GssError>> = OnceLock::new();

/// The loaded library, or why there is none (loaded on first use, then kept).
fn library() -> Result<&'static Gss, GssError> {
    GSS.get_or_init(load).as_ref().map_err(Clone::clone)
}

/// Which library file is in use, after a successful load (for logs).
pub fn library_path() -> Result<&'static str, GssError> {
    library().map(|gss| gss.path.as_str())
}

fn load() -> Result<Gss, GssError> {
    let tried = candidates();
    let mut reason = String::from("not found");
    for path in &tried {
        // SAFETY: loading a shared library runs its initialisers. These are the system's
        // GSSAPI libraries (or the one the user named with LIVY_TUI_GSSAPI_LIBRARY), whose
        // initialisers are ordinary C set-up with no preconditions on our side.
        match unsafe { Library::new(path.as_str()) } {
            Ok(library) => return resolve(library, path),
            Err(e) => reason = e.to_string(),
        }
    }
    Err(GssError::NoLibrary {
        tried: tried.join(", "),
        reason,
    })
}

/// Looks up one function; `T` must be its exact C signature.
fn symbol<T: Copy>(library: &Library, path: &str, name: &'static str) -> Result<T, GssError> {
    // SAFETY: every `T` passed here is the RFC 2744 prototype of the function named, declared
    // above with C types of the same size and layout. The pointer is copied out of the
    // `Symbol`; it stays valid because the `Library` is stored beside it and never unloaded.
    unsafe { library.get::<T>(name).map(|s| *s) }.map_err(|_| GssError::Missing {
        library: path.to_string(),
        function: name,
    })
}

fn resolve(library: Library, path: &str) -> Result<Gss, GssError> {
    Ok(Gss {
        import_name: symbol(&library, path, "gss_import_name")?,
        init_sec_context: symbol(&library, path, "gss_init_sec_context")?,
        release_buffer: symbol(&library, path, "gss_release_buffer")?,
        release_name: symbol(&library, path, "gss_release_name")?,
        delete_sec_context: symbol(&library, path, "gss_delete_sec_context")?,
        display_status: symbol(&library, path, "gss_display_status")?,
        #[cfg(feature = "testing")]
        acceptor: acceptor::Fns::resolve(&library, path),
        path: path.to_string(),
        _library: library,
    })
}

impl Gss {
    /// Copies a buffer the library allocated and releases it.
    fn take(&self, buffer: &mut BufferDesc) -> Vec<u8> {
        let bytes = if buffer.value.is_null() || buffer.length == 0 {
            Vec::new()
        } else {
            // SAFETY: a non-empty output buffer from the library points at `length` readable
            // bytes until it is released just below.
            unsafe { std::slice::from_raw_parts(buffer.value as *const u8, buffer.length) }.to_vec()
        };
        let mut minor = 0;
        // SAFETY: `buffer` was filled by the library (or is empty, which release accepts) and
        // is released exactly once; release resets it to empty.
        unsafe { (self.release_buffer)(&mut minor, buffer) };
        bytes
    }

    /// The texts of one status code (a major code may carry several).
    fn status_texts(&self, code: OmUint32, kind: c_int) -> Vec<String> {
        let mut texts = Vec::new();
        let mut context: OmUint32 = 0;
        // At most a handful of messages; the bound guards against a library that never
        // resets the context.
        for _ in 0..8 {
            let mut minor = 0;
            let mut text = BufferDesc::empty();
            // SAFETY: all pointers are to live locals; a null mech OID means "the mechanism
            // that produced the code" (GSS_C_NO_OID); `text` is released by `take`.
            let major =
                unsafe { (self.display_status)(&mut minor, code, kind, ptr::null_mut(), &mut context, &mut text) };
            if is_error(major) {
                break;
            }
            // MIT counts the terminating NUL in some messages' length.
            let text: String = String::from_utf8_lossy(&self.take(&mut text))
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() && !texts.contains(&text) {
                texts.push(text);
            }
            if context == 0 {
                break;
            }
        }
        texts
    }

    /// The error for a failed call, in the library's words: "major: minor". MIT's major text
    /// for a plain failure only points at the minor one, so then the minor text stands alone.
    fn error(&self, call: &'static str, major: OmUint32, minor: OmUint32) -> GssError {
        let routine = major & (ROUTINE_ERROR_MASK | CALLING_ERROR_MASK);
        let majors = self.status_texts(routine, GSS_C_GSS_CODE);
        let minors = if minor != 0 {
            self.status_texts(minor, GSS_C_MECH_CODE)
        } else {
            Vec::new()
        };
        let trim = |s: &String| s.trim_end_matches('.').to_string();
        let majors: Vec<String> = majors.iter().map(trim).collect();
        let minors: Vec<String> = minors.iter().map(trim).collect();
        let message = match (majors.is_empty(), minors.is_empty()) {
            (_, false) if routine == S_FAILURE => minors.join("; "),
            (false, false) => format!("{}: {}", majors.join("; "), minors.join("; ")),
            (false, true) => majors.join("; "),
            (true, false) => minors.join("; "),
            (true, true) => format!("major status {major:#x}, minor status {minor}"),
        };
        GssError::Call {
            call,
            major,
            minor,
            message,
        }
    }

    /// `gss_import_name`.
    fn import_name(&self, name: &str, name_type: &'static [u8]) -> Result<Handle, GssError> {
        let c_name = CString::new(name).map_err(|_| GssError::BadName(name.to_string()))?;
        let bytes = c_name.as_bytes();
        let mut buffer = BufferDesc::borrowed(bytes);
        let mut name_oid = oid(name_type);
        let mut minor = 0;
        let mut handle: Handle = ptr::null_mut();
        // SAFETY: `buffer` lends `c_name`'s bytes (alive for the call; the library copies
        // them), `name_oid` points at a static OID, `handle` receives a name we release in
        // `Name::drop`.
        let major = unsafe { (self.import_name)(&mut minor, &mut buffer, &mut name_oid, &mut handle) };
        if is_error(major) {
            return Err(self.error("gss_import_name", major, minor));
        }
        Ok(handle)
    }
}

/// An imported name, released on drop.
struct Name {
    gss: &'static Gss,
    handle: Handle,
}

impl Drop for Name {
    fn drop(&mut self) {
        if !self.handle.is_null() {
            let mut minor = 0;
            // SAFETY: the handle came from gss_import_name and is released once.
            unsafe { (self.gss.release_name)(&mut minor, &mut self.handle) };
        }
    }
}

// ---- the initiator (client) ----

/// How a service name is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameForm {
    /// `HTTP@host` (`GSS_C_NT_HOSTBASED_SERVICE`): the realm comes from krb5.conf.
    HostBased,
    /// `HTTP/host@REALM`, a Kerberos principal written out.
    Principal,
}

/// One client security context for one server: SPNEGO, mutual authentication, no
/// delegation. A fresh one is made for every handshake (servers refuse replayed tokens).
/// Every call blocks (it may talk to the KDC): run it off the async runtime.
pub struct Initiator {
    gss: &'static Gss,
    target: Name,
    context: Handle,
    complete: bool,
}

// SAFETY: a GSS security context may be used from any thread as long as it is not used from
// two at once (MIT and Heimdal are thread-safe for distinct objects). `Initiator` has no
// `Sync` and all calls take `&mut self`, so one thread at a time uses it.
unsafe impl Send for Initiator {}

impl fmt::Debug for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Initiator").field("complete", &self.complete).finish()
    }
}

impl Initiator {
    /// Loads the library (first use) and imports the service name. No network yet.
    pub fn new(service: &str, form: NameForm) -> Result<Self, GssError> {
        let gss = library()?;
        let name_type = match form {
            NameForm::HostBased => NT_HOSTBASED_SERVICE,
            NameForm::Principal => NT_KRB5_PRINCIPAL,
        };
        let target = Name {
            gss,
            handle: gss.import_name(service, name_type)?,
        };
        Ok(Initiator {
            gss,
            target,
            context: ptr::null_mut(),
            complete: false,
        })
    }

    /// One step of `gss_init_sec_context`: `None` first (gets a ticket from the KDC with the
    /// user's credentials), then the server's reply token. Returns the token to send (empty
    /// when there is none).
    pub fn step(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>, GssError> {
        let mut input_buffer = input.map(BufferDesc::borrowed);
        let input_ptr = input_buffer.as_mut().map_or(ptr::null_mut(), |b| b as *mut BufferDesc);
        let mut mech = oid(MECH_SPNEGO);
        let mut output = BufferDesc::empty();
        let mut minor = 0;
        let mut ret_flags = 0;
        // SAFETY: all pointers are to live locals or to `self.context` (null at first; the
        // library creates the context and updates the handle); the null pointers are the
        // defaults GSS_C_NO_CREDENTIAL, GSS_C_NO_CHANNEL_BINDINGS and "no actual mech / time
        // wanted"; `input_buffer` lends bytes that outlive the call; `output` is released by
        // `take`.
        let major = unsafe {
            (self.gss.init_sec_context)(
                &mut minor,
                ptr::null_mut(),
                &mut self.context,
                self.target.handle,
                &mut mech,
                FLAG_MUTUAL,
                0,
                ptr::null_mut(),
                input_ptr,
                ptr::null_mut(),
                &mut output,
                &mut ret_flags,
                ptr::null_mut(),
            )
        };
        let token = self.gss.take(&mut output);
        if is_error(major) {
            return Err(self.gss.error("gss_init_sec_context", major, minor));
        }
        self.complete = major & S_CONTINUE_NEEDED == 0;
        if self.complete && ret_flags & FLAG_MUTUAL == 0 {
            return Err(GssError::Call {
                call: "gss_init_sec_context",
                major,
                minor,
                message: "the server did not authenticate itself (no mutual authentication)".into(),
            });
        }
        Ok(token)
    }

    /// Established: the server has proved itself (mutual authentication done).
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

impl Drop for Initiator {
    fn drop(&mut self) {
        if !self.context.is_null() {
            let mut minor = 0;
            // SAFETY: the context came from gss_init_sec_context and is deleted once; no
            // output token is wanted (GSS_C_NO_BUFFER).
            unsafe { (self.gss.delete_sec_context)(&mut minor, &mut self.context, ptr::null_mut()) };
        }
    }
}

// ---- the acceptor (the test gateway's server side) ----

#[cfg(feature = "testing")]
pub use acceptor::{Accepted, Acceptor};

#[cfg(feature = "testing")]
mod acceptor {
    use super::*;
    use std::ffi::c_char;
    use std::path::Path;

    type AcceptSecContextFn = unsafe extern "C" fn(
        *mut OmUint32,     // minor_status
        *mut Handle,       // context_handle
        Handle,            // acceptor_cred_handle
        *mut BufferDesc,   // input_token_buffer
        *mut c_void,       // input_chan_bindings
        *mut Handle,       // src_name
        *mut *mut OidDesc, // mech_type
        *mut BufferDesc,   // output_token
        *mut OmUint32,     // ret_flags
        *mut OmUint32,     // time_rec
        *mut Handle,       // delegated_cred_handle
    ) -> OmUint32;
    /// `gss_acquire_cred_from` (MIT 1.11+, Heimdal 7+): credentials from an explicit store,
    /// here a keytab, instead of `KRB5_KTNAME` (process-wide, and other tests change it).
    type AcquireCredFromFn = unsafe extern "C" fn(
        *mut OmUint32,      // minor_status
        Handle,             // desired_name
        OmUint32,           // time_req
        *mut c_void,        // desired_mechs
        c_int,              // cred_usage
        *const KeyValueSet, // cred_store
        *mut Handle,        // output_cred_handle
        *mut *mut c_void,   // actual_mechs
        *mut OmUint32,      // time_rec
    ) -> OmUint32;

    /// `gss_key_value_element_desc`.
    #[cfg_attr(not(target_os = "macos"), repr(C))]
    #[cfg_attr(target_os = "macos", repr(C, packed(2)))]
    struct KeyValue {
        key: *const c_char,
        value: *const c_char,
    }

    /// `gss_key_value_set_desc`.
    #[cfg_attr(not(target_os = "macos"), repr(C))]
    #[cfg_attr(target_os = "macos", repr(C, packed(2)))]
    pub(super) struct KeyValueSet {
        count: OmUint32,
        elements: *mut KeyValue,
    }

    const GSS_C_ACCEPT: c_int = 2;

    #[derive(Clone, Copy)]
    pub(super) struct Fns {
        accept_sec_context: AcceptSecContextFn,
        acquire_cred_from: Option<AcquireCredFromFn>,
        release_cred: ReleaseHandleFn,
    }

    impl Fns {
        pub(super) fn resolve(library: &Library, path: &str) -> Option<Fns> {
            Some(Fns {
                accept_sec_context: symbol(library, path, "gss_accept_sec_context").ok()?,
                acquire_cred_from: symbol(library, path, "gss_acquire_cred_from").ok(),
                release_cred: symbol(library, path, "gss_release_cred").ok()?,
            })
        }
    }

    /// What one accepted token gave.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Accepted {
        /// The reply token (SPNEGO `accept-completed` with the mutual-auth AP-REP), maybe empty.
        pub reply: Vec<u8>,
        /// False when the mechanism wants another round (not the case for Kerberos).
        pub complete: bool,
    }

    /// A server's credentials from a keytab; accepts SPNEGO tokens, one fresh context each.
    pub struct Acceptor {
        gss: &'static Gss,
        fns: Fns,
        cred: Handle,
    }

    // SAFETY: the credential handle is only used through `&mut self` (one thread at a time);
    // GSS libraries are thread-safe for distinct objects.
    unsafe impl Send for Acceptor {}

    impl Acceptor {
        /// Server credentials for every principal in the keytab at `keytab`.
        pub fn with_keytab(keytab: &Path) -> Result<Acceptor, GssError> {
            let gss = library()?;
            let fns = gss.acceptor.ok_or_else(|| GssError::Missing {
                library: gss.path.clone(),
                function: "gss_accept_sec_context",
            })?;
            let acquire = fns.acquire_cred_from.ok_or_else(|| GssError::Missing {
                library: gss.path.clone(),
                function: "gss_acquire_cred_from",
            })?;
            let path = keytab.to_string_lossy().into_owned();
            let value = CString::new(format!("FILE:{path}")).map_err(|_| GssError::BadName(path))?;
            let key = c"keytab";
            let mut element = KeyValue {
                key: key.as_ptr(),
                value: value.as_ptr(),
            };
            let store = KeyValueSet {
                count: 1,
                elements: &mut element,
            };
            let mut minor = 0;
            let mut cred: Handle = ptr::null_mut();
            // SAFETY: `store` and the strings it points at live through the call (the library
            // copies what it keeps); null name and mech set mean "any principal in the
            // keytab, every mechanism"; `cred` receives a handle released in `drop`.
            let major = unsafe {
                acquire(
                    &mut minor,
                    ptr::null_mut(),
                    0,
                    ptr::null_mut(),
                    GSS_C_ACCEPT,
                    &store,
                    &mut cred,
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            };
            if is_error(major) {
                return Err(gss.error("gss_acquire_cred_from", major, minor));
            }
            Ok(Acceptor { gss, fns, cred })
        }

        /// Accepts a client's first token in a new context.
        pub fn accept(&mut self, token: &[u8]) -> Result<Accepted, GssError> {
            let mut context: Handle = ptr::null_mut();
            let mut input = BufferDesc::borrowed(token);
            let mut output = BufferDesc::empty();
            let mut minor = 0;
            // SAFETY: pointers to live locals and to our credential; null channel bindings,
            // source name, mech, flags, time and delegated credential are "not wanted";
            // `output` is released by `take`, `context` deleted below.
            let major = unsafe {
                (self.fns.accept_sec_context)(
                    &mut minor,
                    &mut context,
                    self.cred,
                    &mut input,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    &mut output,
                    ptr::null_mut(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            };
            let reply = self.gss.take(&mut output);
            if !context.is_null() {
                let mut ignored = 0;
                // SAFETY: the context came from gss_accept_sec_context; deleted once.
                unsafe { (self.gss.delete_sec_context)(&mut ignored, &mut context, ptr::null_mut()) };
            }
            if is_error(major) {
                return Err(self.gss.error("gss_accept_sec_context", major, minor));
            }
            Ok(Accepted {
                reply,
                complete: major & S_CONTINUE_NEEDED == 0,
            })
        }
    }

    impl Drop for Acceptor {
        fn drop(&mut self) {
            let mut minor = 0;
            // SAFETY: the credential came from gss_acquire_cred_from; released once.
            unsafe { (self.fns.release_cred)(&mut minor, &mut self.cred) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oids_are_the_der_of_the_dotted_numbers() {
        // 1.2 → 42; 840 → 86 48; 113554 → 86 f7 12; then 1.2.1.4 / 1.2.2.1
        assert_eq!(NT_HOSTBASED_SERVICE[..7], [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01]);
        assert_eq!(NT_HOSTBASED_SERVICE[7..], [0x02, 0x01, 0x04]);
        assert_eq!(NT_KRB5_PRINCIPAL[7..], [0x02, 0x02, 0x01]);
        // 1.3 → 43; 6.1.5.5.2
        assert_eq!(MECH_SPNEGO, [43, 6, 1, 5, 5, 2]);
    }

    #[test]
    fn kinit_is_the_fix_for_missing_or_expired_tickets() {
        let call = |major, message: &str| GssError::Call {
            call: "gss_init_sec_context",
            major,
            minor: 0,
            message: message.into(),
        };
        assert!(call(S_NO_CRED, "No credentials were supplied").wants_kinit());
        assert!(call(S_CREDENTIALS_EXPIRED, "x").wants_kinit());
        assert!(
            call(
                S_FAILURE,
                "No Kerberos credentials available (default cache: FILE:/tmp/x)"
            )
            .wants_kinit()
        );
        assert!(call(S_FAILURE, "Ticket expired").wants_kinit());
        assert!(!call(S_FAILURE, "Server HTTP/h@R not found in Kerberos database").wants_kinit());
        assert!(
            !GssError::NoLibrary {
                tried: "x".into(),
                reason: "y".into()
            }
            .wants_kinit()
        );
    }

    #[test]
    fn names_import_where_the_library_is_installed() {
        match Initiator::new("HTTP@localhost", NameForm::HostBased) {
            Ok(initiator) => assert!(!initiator.is_complete()),
            // A machine without Kerberos: nothing else to check here.
            Err(GssError::NoLibrary { .. }) => {}
            Err(e) => panic!("{e}"),
        }
        if library().is_ok() {
            Initiator::new("HTTP/localhost@LIVY.TEST", NameForm::Principal).unwrap();
            assert!(matches!(
                Initiator::new("HTTP@a\0b", NameForm::HostBased),
                Err(GssError::BadName(_))
            ));
        }
    }

    #[test]
    fn status_codes_split_into_routine_and_supplementary_parts() {
        assert!(is_error(S_NO_CRED) && is_error(1 << 24));
        assert!(!is_error(S_CONTINUE_NEEDED) && !is_error(0));
        assert_eq!(S_CREDENTIALS_EXPIRED >> 16, 11);
    }
}
