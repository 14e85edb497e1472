//! Makes untrusted remote text (Spark and Python program output) safe to draw in a terminal.
//!
//! [`sanitize`] keeps SGR colour/style sequences (`ESC [ params m`, params digits, `;` and `:`
//! only, at most [`MAX_SGR_PARAMS`] bytes) and removes every other escape or control
//! sequence: CSI, OSC, DCS, APC, PM, SOS, two-byte and charset escapes, in their 7-bit (`ESC x`)
//! and 8-bit (C1 `U+0080..=U+009F`) forms. The result holds no ESC outside such SGR
//! sequences, no C0 control but `\n` and `\t`, no C1 control and no DEL.
//!
//! Line normalisation: `\r\n` becomes `\n`; a `\r` followed by more text on the same line means
//! "overwrite from the line start" (progress bars), so only the text after a line's last `\r`
//! is kept, while the colours set by the overwritten part are kept; a `\r` with no text after
//! it on its line is dropped.
//!
//! One pass over the bytes, linear in the input, one output buffer; text without anything to
//! remove is returned borrowed by the `_cow` forms.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Longest parameter string of an SGR sequence that is kept; longer ones are dropped.
pub const MAX_SGR_PARAMS: usize = 64;

const BEL: u8 = 0x07;
const ESC: u8 = 0x1B;
const CAN: u8 = 0x18;
const SUB: u8 = 0x1A;
const DEL: u8 = 0x7F;
/// First byte of the UTF-8 encoding of U+0080..=U+00BF, so of every C1 control.
const C1_LEAD: u8 = 0xC2;
/// Second byte of the UTF-8 encoding of ST (U+009C).
const C1_ST: u8 = 0x9C;

/// Makes untrusted text safe to draw; see the module documentation.
pub fn sanitize(text: &str) -> String {
    sanitize_cow(text).into_owned()
}

/// As [`sanitize`], borrowing the text when nothing needs removing.
pub fn sanitize_cow(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// As [`sanitize`], but removes SGR too: plain text (NO_COLOR, searching, copying, widths).
pub fn strip_all(text: &str) -> String {
    strip_all_cow(text).into_owned()
}

/// As [`strip_all`], borrowing the text when nothing needs removing.
pub fn strip_all_cow(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// Lossy decode of bytes that may be invalid UTF-8 (invalid bytes become U+FFFD), then
/// [`sanitize`]. A lone byte `0x9B` is invalid UTF-8, so it becomes U+FFFD; the C1 controls
/// are the UTF-8 encoded ones (`C2 9B`).
pub fn sanitize_bytes(bytes: &[u8]) -> String {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(text) => sanitize(text),
        Cow::Owned(decoded) => {
            let cleaned = match sanitize_cow(&decoded) {
                Cow::Owned(cleaned) => Some(cleaned),
                Cow::Borrowed(_) => None,
            };
            cleaned.unwrap_or(decoded)
        }
    }
}

/// Shows control characters visibly instead of removing them, for a "show raw" view: ESC as
/// `␛` and the other C0 controls as their control pictures (U+2400 + code, so `\r` is `␍`),
/// DEL as `␡`, C1 controls as `\u{9b}`. `\n` and `\t` stay as they are, so lines still break.
pub fn escape_for_display(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut run = 0;
    for (i, c) in text.char_indices() {
        let shown = match c {
            '\n' | '\t' => continue,
            '\0'..='\x1f' => char::from_u32(0x2400 + c as u32),
            '\x7f' => Some('\u{2421}'),
            '\u{80}'..='\u{9f}' => None,
            _ => continue,
        };
        out.push_str(&text[run..i]);
        run = i + c.len_utf8();
        match shown {
            Some(picture) => out.push(picture),
            None => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out.push_str(&text[run..]);
    out
}

/// Whether the byte at `i` starts something that is not plain text: a C0 control other than
/// `\t` (so `\n` too: it needs line bookkeeping), DEL, or a C1 control.
#[inline]
fn is_special(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\t' => false,
        0x00..=0x1F | DEL => true,
        C1_LEAD => matches!(bytes.get(i + 1), Some(0x80..=0x9F)),
        _ => false,
    }
}

/// Whether the byte at `i` is something the fast path cannot return as is.
#[inline]
fn is_unsafe(bytes: &[u8], i: usize) -> bool {
    bytes[i] != b'\n' && is_special(bytes, i)
}

fn clean(text: &str, keep_sgr: bool) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let Some(first) = (0..bytes.len()).find(|&i| is_unsafe(bytes, i)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let line_start = out.rfind('\n').map_or(0, |p| p + 1);
    let mut cleaner = Cleaner {
        text,
        bytes,
        keep_sgr,
        out,
        line_start,
        sgr_end: line_start,
        pending_cr: false,
        scratch: String::new(),
    };
    cleaner.run(first);
    Cow::Owned(cleaner.out)
}

/// Which string sequence is being skipped; they differ in their terminators.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StringKind {
    /// OSC: ends at BEL or ST.
    Osc,
    /// DCS: ends at ST; `ESC ESC` inside is an escaped ESC (tmux passthrough).
    Dcs,
    /// SOS, PM, APC: end at ST.
    Other,
}

struct Cleaner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    keep_sgr: bool,
    out: String,
    /// Where the current output line starts.
    line_start: usize,
    /// `out[line_start..sgr_end]` holds only SGR sequences (kept from overwritten text).
    sgr_end: usize,
    /// A `\r` was seen on this line: the next text overwrites the line.
    pending_cr: bool,
    /// Reused buffer for the SGR sequences kept across an overwrite.
    scratch: String,
}

impl Cleaner<'_> {
    fn run(&mut self, mut i: usize) {
        let (text, bytes) = (self.text, self.bytes);
        let mut run = i;
        while i < bytes.len() {
            if !is_special(bytes, i) {
                i += 1;
                continue;
            }
            self.push_text(&text[run..i]);
            i = match bytes[i] {
                b'\n' => {
                    self.newline();
                    i + 1
                }
                b'\r' => {
                    self.pending_cr = true;
                    i + 1
                }
                ESC => self.escape(i),
                C1_LEAD => self.c1(i),
                // every other C0 control and DEL
                _ => i + 1,
            };
            run = i;
        }
        self.push_text(&text[run..]);
    }

    /// Visible text: overwrites the line first when a `\r` came before it.
    fn push_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.pending_cr {
            self.pending_cr = false;
            self.overwrite_line();
        }
        self.out.push_str(s);
    }

    fn newline(&mut self) {
        self.pending_cr = false;
        self.out.push('\n');
        self.line_start = self.out.len();
        self.sgr_end = self.line_start;
    }

    /// Drops the text of the current line, keeping its SGR sequences (they are invisible and
    /// still colour what follows). A plain reset makes the sequences before it irrelevant.
    /// Linear overall: the part already reduced to SGR (`..sgr_end`) is never scanned again.
    fn overwrite_line(&mut self) {
        if !self.keep_sgr {
            self.out.truncate(self.line_start);
            return;
        }
        self.scratch.clear();
        let mut reset = false;
        let tail = &self.out[self.sgr_end..];
        let mut rest = tail;
        while let Some(start) = rest.find('\x1b') {
            // written by `escape`: always a complete SGR sequence ending in 'm'
            let len = rest[start..].find('m').map_or(rest.len() - start, |p| p + 1);
            let sgr = &rest[start..start + len];
            if sgr == "\x1b[m" || sgr == "\x1b[0m" {
                reset = true;
                self.scratch.clear();
            }
            self.scratch.push_str(sgr);
            rest = &rest[start + len..];
        }
        let keep_to = if reset { self.line_start } else { self.sgr_end };
        self.out.truncate(keep_to);
        self.out.push_str(&self.scratch);
        self.sgr_end = self.out.len();
    }

    /// `bytes[i]` is ESC; returns the index after what it introduces.
    fn escape(&mut self, i: usize) -> usize {
        let bytes = self.bytes;
        let Some(&next) = bytes.get(i + 1) else {
            return i + 1; // bare ESC at the end
        };
        match next {
            b'[' => self.csi(i, i + 2, true),
            b']' => self.skip_string(i + 2, StringKind::Osc),
            b'P' => self.skip_string(i + 2, StringKind::Dcs),
            b'X' | b'^' | b'_' => self.skip_string(i + 2, StringKind::Other),
            // nF: intermediates then a final byte, e.g. `ESC ( 0` (charset), `ESC # 8`
            0x20..=0x2F => {
                let mut j = i + 1;
                while j < bytes.len() && (0x20..=0x2F).contains(&bytes[j]) {
                    j += 1;
                }
                match bytes.get(j) {
                    Some(0x30..=0x7E) => j + 1,
                    _ => j,
                }
            }
            // two-byte escapes: `ESC 7`, `ESC =`, `ESC c`, `ESC M`, a lone `ESC \` ...
            0x30..=0x7E => i + 2,
            // ESC before a control, DEL or non-ASCII: only the ESC goes
            _ => i + 1,
        }
    }

    /// `bytes[i..i + 2]` is a C1 control: the string and CSI introducers are handled like their
    /// ESC forms (and a C1 CSI is never kept, even as SGR); every other C1 control is dropped.
    fn c1(&mut self, i: usize) -> usize {
        match self.bytes[i + 1] {
            0x9B => self.csi(i, i + 2, false),
            0x9D => self.skip_string(i + 2, StringKind::Osc),
            0x90 => self.skip_string(i + 2, StringKind::Dcs),
            0x98 | 0x9E | 0x9F => self.skip_string(i + 2, StringKind::Other),
            _ => i + 2,
        }
    }

    /// A CSI sequence from `start`, whose parameters begin at `j`: parameter bytes
    /// (0x30–0x3F), intermediates (0x20–0x2F), a final byte (0x40–0x7E). Kept only when it is
    /// a short SGR with digits, `;` and `:` only. Malformed (any other byte inside, or the end
    /// of the text): what was read is dropped and the offending byte is handled as usual, so a
    /// newline or a new escape inside is not lost.
    fn csi(&mut self, start: usize, mut j: usize, may_keep: bool) -> usize {
        let bytes = self.bytes;
        let params = j;
        while j < bytes.len() && (0x30..=0x3F).contains(&bytes[j]) {
            j += 1;
        }
        let params_end = j;
        while j < bytes.len() && (0x20..=0x2F).contains(&bytes[j]) {
            j += 1;
        }
        match bytes.get(j) {
            Some(&fin @ 0x40..=0x7E) => {
                let is_sgr = fin == b'm'
                    && params_end == j
                    && params_end - params <= MAX_SGR_PARAMS
                    && bytes[params..params_end]
                        .iter()
                        .all(|&b| b.is_ascii_digit() || b == b';' || b == b':');
                if is_sgr && may_keep && self.keep_sgr {
                    self.out.push_str(&self.text[start..=j]);
                }
                j + 1
            }
            _ => j,
        }
    }

    /// Skips the body of a string sequence (OSC, DCS, SOS, PM, APC) from `j` through its
    /// terminator. ST is `ESC \` or C1 U+009C; OSC also ends at BEL. As in terminals, CAN and
    /// SUB cancel it, and an ESC not starting ST ends it and starts a new escape (except the
    /// doubled `ESC ESC` in DCS). Unterminated: everything up to the end of the text goes.
    fn skip_string(&mut self, mut j: usize, kind: StringKind) -> usize {
        let bytes = self.bytes;
        while j < bytes.len() {
            match bytes[j] {
                BEL if kind == StringKind::Osc => return j + 1,
                ESC => match bytes.get(j + 1) {
                    Some(b'\\') => return j + 2,
                    Some(&ESC) if kind == StringKind::Dcs => j += 2,
                    _ => return j,
                },
                CAN | SUB => return j,
                C1_LEAD if bytes.get(j + 1) == Some(&C1_ST) => return j + 2,
                _ => j += 1,
            }
        }
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promised invariants: ESC only in short well-formed SGR (none at all when `sgr` is
    /// false), no C0 but `\n` and `\t`, no C1, no DEL.
    fn assert_safe(out: &str, sgr: bool) {
        let bytes = out.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == ESC {
                assert!(sgr, "ESC in stripped output {out:?}");
                assert_eq!(bytes.get(i + 1), Some(&b'['), "ESC not starting CSI in {out:?}");
                let params = i + 2;
                let mut j = params;
                while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';' || bytes[j] == b':') {
                    j += 1;
                }
                assert_eq!(bytes.get(j), Some(&b'm'), "ESC not starting SGR in {out:?}");
                assert!(j - params <= MAX_SGR_PARAMS, "long SGR kept in {out:?}");
                i = j + 1;
                continue;
            }
            i += 1;
        }
        for c in out.chars() {
            let forbidden = (c < ' ' && c != '\n' && c != '\t' && c != '\x1b') || ('\x7f'..='\u{9f}').contains(&c);
            assert!(!forbidden, "control {c:?} in {out:?}");
        }
    }

    /// Sanitized and stripped forms, both checked against the invariants.
    fn both(input: &str) -> (String, String) {
        let (s, p) = (sanitize(input), strip_all(input));
        assert_safe(&s, true);
        assert_safe(&p, false);
        (s, p)
    }

    #[test]
    fn clean_text_is_borrowed() {
        for text in [
            "",
            "plain",
            "tabs\tand\nnewlines\n",
            "ünïcødé ✓ 🚀 \u{a0}\u{ff}",
            "\u{fffd}",
        ] {
            assert!(matches!(sanitize_cow(text), Cow::Borrowed(t) if t == text));
            assert!(matches!(strip_all_cow(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn sgr_is_kept_verbatim_and_stripped_by_strip_all() {
        let text = "\x1b[31mred\x1b[0m \x1b[1;38;5;208mbold\x1b[m \x1b[38:2::255:0:0mtrue\x1b[39m";
        assert_eq!(both(text), (text.to_string(), "red bold true".to_string()));
    }

    #[test]
    fn malformed_or_long_sgr_is_dropped() {
        let long = format!("\x1b[{}mx", "1;".repeat(40));
        assert_eq!(both(&long).0, "x");
        let max = format!("\x1b[{}mx", "1".repeat(MAX_SGR_PARAMS));
        assert_eq!(both(&max).0, max);
        // private marker, intermediate, other parameter bytes
        for s in ["\x1b[?31mx", "\x1b[>4;2mx", "\x1b[31 mx", "\x1b[3<1mx", "\x1b[=5mx"] {
            assert_eq!(both(s).0, "x", "{s:?}");
        }
        // no final byte before the end; interrupted by a newline, text or another escape
        assert_eq!(both("a\x1b[31").0, "a");
        assert_eq!(both("a\x1b[3\n1m").0, "a\n1m");
        assert_eq!(both("a\x1b[3é").0, "aé");
        assert_eq!(both("\x1b[12\x1b[32mg").0, "\x1b[32mg");
    }

    #[test]
    fn non_sgr_csi_is_removed() {
        for s in [
            "\x1b[2J",
            "\x1b[H",
            "\x1b[10;20H",
            "\x1b[?1049h",
            "\x1b[6n",
            "\x1b[?2004h",
            "\x1b[?1000h",
            "\x1b[?1003h",
            "\x1b[?1006h",
            "\x1b[>c",
            "\x1b[c",
            "\x1b[K",
            "\x1b[2A",
            "\x1b[1;5r",
            "\x1b[21t",
            "\x1b[0 q",
            "\x1b[!p",
            "\x1b[3;1'z",
        ] {
            assert_eq!(both(&format!("a{s}b")), ("ab".into(), "ab".into()), "{s:?}");
        }
    }

    #[test]
    fn osc_is_removed_with_either_terminator() {
        for s in [
            "\x1b]0;title\x07",
            "\x1b]2;pwned\x1b\\",
            "\x1b]52;c;ZWNobyBwd25lZAo=\x07",
            "\x1b]8;;http://x\x1b\\",
            "\x1b]1337;File=inline=1:AAAA\x07",
            "\x1b]1337;SetUserVar=a=Yg==\x1b\\",
            "\x1b]4;1;?\x07",
            "\u{9d}0;c1 title\u{9c}",
            "\u{9d}0;c1 title\x07",
        ] {
            assert_eq!(both(&format!("a{s}b")).0, "ab", "{s:?}");
        }
        // a hyperlink: the link goes, its text stays
        assert_eq!(both("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\").0, "click");
    }

    #[test]
    fn unterminated_strings_run_to_the_end() {
        assert_eq!(both("ok\n\x1b]0;evil\nmore\n").0, "ok\n");
        assert_eq!(both("ok\x1bPq#0;2;0;0;0#0~~\n").0, "ok");
        assert_eq!(both("ok\u{90}q#0~~").0, "ok");
        assert_eq!(both("ok\x1b_Gf=100;AAAA").0, "ok");
        // an ESC not starting ST ends the string and starts a new escape; CAN cancels it
        assert_eq!(both("\x1b]0;t\x1b[31mred").0, "\x1b[31mred");
        assert_eq!(both("\x1b]0;t\x18shown").0, "shown");
    }

    #[test]
    fn dcs_apc_pm_sos_are_removed() {
        for s in [
            "\x1bPq#0;2;0;0;0#1;2;100;100;0#1~~@@vv@@~~$-\x1b\\", // sixel
            "\x1bP1$r0m\x1b\\",                                   // DECRQSS reply
            "\x1bP+q544e\x1b\\",                                  // XTGETTCAP
            "\x1bPtmux;\x1b\x1b]52;c;cHduZWQ=\x07\x1b\\",         // tmux passthrough
            "\x1bPtmux;\x1b\x1b[2J\x1b\x1b[31mhidden\x1b\\",
            "\x1b_Gf=100,a=T;iVBORw0KGgo=\x1b\\", // kitty graphics
            "\x1b^private message\x1b\\",
            "\x1bXstart of string\x1b\\",
            "\u{90}q#0~~\u{9c}",
            "\u{9f}Ga=d\u{9c}",
            "\u{9e}pm\x1b\\",
            "\u{98}sos\u{9c}",
        ] {
            assert_eq!(both(&format!("a{s}b")).0, "ab", "{s:?}");
        }
        // BEL ends only OSC
        assert_eq!(both("a\x1bPq\x07still dcs\x1b\\b").0, "ab");
    }

    #[test]
    fn short_escapes_are_removed() {
        for s in [
            "\x1bc", "\x1b7", "\x1b8", "\x1b=", "\x1b>", "\x1b(0", "\x1b)B", "\x1b#8", "\x1b%G", "\x1bM", "\x1bD",
            "\x1bE", "\x1bH", "\x1bN", "\x1b\\", "\x1b F",
        ] {
            assert_eq!(both(&format!("a{s}b")).0, "ab", "{s:?}");
        }
        // a bare ESC at the end, or before something that cannot follow it
        assert_eq!(both("abc\x1b").0, "abc");
        assert_eq!(both("abc\x1b(").0, "abc");
        assert_eq!(both("a\x1b\nb").0, "a\nb");
        assert_eq!(both("a\x1bé").0, "aé");
        assert_eq!(both("a\x1b\x1b\x1b[2Jb").0, "ab");
    }

    #[test]
    fn c1_controls_are_removed_like_their_esc_forms() {
        assert_eq!(both("a\u{9b}2Jb").0, "ab");
        assert_eq!(both("a\u{9b}?1049hb").0, "ab");
        // a C1 SGR is not kept either
        assert_eq!(both("a\u{9b}31mb").0, "ab");
        for c in '\u{80}'..='\u{9f}' {
            if !matches!(c, '\u{90}' | '\u{98}' | '\u{9b}' | '\u{9d}' | '\u{9e}' | '\u{9f}') {
                assert_eq!(both(&format!("a{c}b")).0, "ab", "{c:?}");
            }
        }
        // neighbours of the C1 range stay
        assert_eq!(both("\u{7e}\u{a0}\u{c2}\u{100}").0, "\u{7e}\u{a0}\u{c2}\u{100}");
    }

    #[test]
    fn c0_controls_and_del_are_removed() {
        assert_eq!(both("a\x07b\x08c\x0bd\x0ce\0f\x7fg\x01h\x1fi\x0ej").0, "abcdefghij");
        for b in (0u8..0x20).chain([DEL]) {
            let expected = match b {
                b'\n' => "a\nb",
                b'\t' => "a\tb",
                b'\r' => "b",
                ESC => "a", // `ESC b` is a two-byte escape
                _ => "ab",
            };
            assert_eq!(both(&format!("a{}b", b as char)).0, expected, "{b:#x}");
        }
    }

    #[test]
    fn carriage_returns() {
        assert_eq!(both("a\r\nb\r\n").0, "a\nb\n");
        assert_eq!(both("10%\r20%\r30%\nnext").0, "30%\nnext");
        assert_eq!(both("10%\r20%\r30%").0, "30%");
        assert_eq!(both("done\r").0, "done");
        assert_eq!(both("done\r\r\n").0, "done\n");
        assert_eq!(both("keep\nabc\rxy\nz").0, "keep\nxy\nz");
        // only removed sequences after the \r: it is trailing
        assert_eq!(both("50%\r\x1b[K\n").0, "50%\n");
        assert_eq!(both("\r\t\tx").0, "\t\tx");
        // a tqdm-like bar: the text goes, the colours stay
        let (s, p) = both("\x1b[32m 10%\x1b[0m\r\x1b[32m 20%\x1b[0m\r\x1b[33m 30%\x1b[0m\nok");
        assert_eq!(s, "\x1b[0m\x1b[33m 30%\x1b[0m\nok");
        assert_eq!(p, " 30%\nok");
        let (s, _) = both("\x1b[1mA\x1b[31mB\rC\rD");
        assert_eq!(s, "\x1b[1m\x1b[31mD");
    }

    #[test]
    fn bytes_are_decoded_lossily() {
        assert_eq!(sanitize_bytes(b"ok"), "ok");
        assert_eq!(sanitize_bytes(b"a\xffb\xc3"), "a\u{fffd}b\u{fffd}");
        // a raw 8-bit CSI byte is invalid UTF-8: it is shown as U+FFFD, not obeyed
        assert_eq!(sanitize_bytes(b"a\x9b2Jb"), "a\u{fffd}2Jb");
        // the UTF-8 encoded C1 CSI is removed with its sequence
        assert_eq!(sanitize_bytes(b"a\xc2\x9b2Jb"), "ab");
        assert_eq!(sanitize_bytes(b"\xfe\x1b]0;t\x07\x1b[31mx\r\n"), "\u{fffd}\x1b[31mx\n");
    }

    #[test]
    fn escape_for_display_shows_controls() {
        assert_eq!(escape_for_display("plain\tté\n"), "plain\tté\n");
        assert_eq!(escape_for_display("\x1b[31mred\r\n"), "␛[31mred␍\n");
        assert_eq!(escape_for_display("\0\x07\x08\x7f"), "␀␇␈␡");
        assert_eq!(escape_for_display("a\u{9b}2Jb\u{85}"), "a\\u{9b}2Jb\\u{85}");
        assert_safe(&escape_for_display("\x1b]0;t\x07\u{9d}\u{9c}\r\x0b\x0c"), false);
    }

    /// Biased towards bytes that make escape sequences, with a sprinkling of anything.
    fn random_bytes(rng: &mut fastrand::Rng) -> Vec<u8> {
        const ALPHABET: &[u8] =
            b"\x1b\x1b\x1b[[[]]P_^X\\\x07\r\r\n\t\x18\x08\x7f\xc2\xc2\x9b\x9c\x9d\x900123;;:m?>( Jha\xe2\x80";
        let len = rng.usize(0..64);
        (0..len)
            .map(|_| {
                if rng.u8(0..8) == 0 {
                    rng.u8(..)
                } else {
                    ALPHABET[rng.usize(..ALPHABET.len())]
                }
            })
            .collect()
    }

    #[test]
    fn random_inputs_keep_the_invariants() {
        let mut rng = fastrand::Rng::with_seed(0x11f3_5a1e);
        for _ in 0..5000 {
            let input = random_bytes(&mut rng);
            let s = sanitize_bytes(&input);
            assert_safe(&s, true);
            assert!(!s.contains('\r'), "{input:?}");
            assert_eq!(sanitize(&s), s, "not idempotent for {input:?}");
            assert!(
                matches!(sanitize_cow(&s), Cow::Borrowed(_)) || s.contains('\x1b'),
                "{input:?}"
            );
            let decoded = String::from_utf8_lossy(&input);
            let p = strip_all(&decoded);
            assert_safe(&p, false);
            assert_eq!(strip_all(&p), p, "strip_all not idempotent for {input:?}");
            assert_eq!(
                strip_all(&s),
                p,
                "sanitize and strip_all disagree on the text of {input:?}"
            );
            assert_safe(&escape_for_display(&decoded), false);
        }
    }

    #[test]
    fn large_hostile_output_is_handled() {
        // runs in linear time or this test takes minutes; no timing assertion
        let chunk =
            "\x1b[32mrow 1234 \x1b[0m\t|\x1b[2K\r\x1b[31m 50%\x1b[?1049h\x1b]0;t\x07\x1b[12;\x1b]8;;u\x1b\\l\r\n";
        let mut big = String::with_capacity(5 << 20);
        while big.len() < 5 << 20 {
            big.push_str(chunk);
        }
        let s = sanitize(&big);
        assert_safe(&s, true);
        assert_eq!(s.matches('\n').count(), big.matches('\n').count());
        // the reset in the overwritten part makes the colours before it irrelevant
        assert!(s.starts_with("\x1b[0m\x1b[31m 50%l\n\x1b[0m\x1b[31m 50%l\n"));
        // one huge line of overwrites, unterminated sequences and SGR
        let worst = "\x1b[1mx\r\x1b[9".repeat(5 << 20 >> 8);
        assert_safe(&sanitize(&worst), true);
        let unterminated = format!("a{}", "\x1b]".repeat(5 << 20 >> 1));
        assert_eq!(sanitize(&unterminated), "a");
        assert_eq!(strip_all(&big).len(), big.matches('\n').count() * " 50%l\n".len());
    }
}
