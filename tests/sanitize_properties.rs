//! Properties of the sanitizer and the output parsers on arbitrary input: whatever the server
//! sends, nothing that acts on a terminal comes out, nothing panics, and cleaning is stable.

use livy_tui::output::sanitize::{sanitize, sanitize_bytes, strip_all};
use livy_tui::output::{render, split_text_and_tables};
use proptest::prelude::*;

/// Text with plenty of escape-sequence material: ESC, CSI/OSC/DCS introducers, C1 controls,
/// BEL, ST, CR, digits and separators, mixed with plain and wide characters.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\u{1b}".to_string()),
        Just("\u{1b}[".to_string()),
        Just("\u{1b}]".to_string()),
        Just("\u{1b}P".to_string()),
        Just("\u{1b}\\".to_string()),
        Just("\u{9b}".to_string()),
        Just("\u{9d}".to_string()),
        Just("\u{9c}".to_string()),
        Just("\u{7}".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just("\t".to_string()),
        Just("\u{7f}".to_string()),
        Just("31;1m".to_string()),
        Just("0;TITLE".to_string()),
        Just("2J".to_string()),
        "[0-9;:]{0,6}",
        "[a-zA-Z ]{0,8}",
        "[漢字☃é]{0,3}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

/// Every ESC starts an SGR sequence (`ESC [ digits;: m`); no other control but `\n`, `\t`.
fn assert_terminal_safe(out: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = out.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\u{1b}' {
            prop_assert_eq!(chars.get(i + 1), Some(&'['), "ESC not starting SGR in {:?}", out);
            let mut j = i + 2;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ';' || chars[j] == ':') {
                j += 1;
            }
            prop_assert_eq!(chars.get(j), Some(&'m'), "ESC [ not ending in m in {:?}", out);
            i = j + 1;
            continue;
        }
        let control = (c as u32) < 0x20 && c != '\n' && c != '\t';
        prop_assert!(
            !control && !('\u{7f}'..='\u{9f}').contains(&c),
            "control {:?} in {:?}",
            c,
            out
        );
        i += 1;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn sanitized_text_is_safe_and_stable(text in hostile_text()) {
        let once = sanitize(&text);
        assert_terminal_safe(&once)?;
        prop_assert_eq!(sanitize(&once), once.clone(), "sanitizing twice changes nothing");
        let plain = strip_all(&text);
        prop_assert!(!plain.contains('\x1b'), "ESC in {:?}", plain);
        assert_terminal_safe(&plain)?;
        prop_assert_eq!(strip_all(&once), plain, "stripping the colours of safe text is stripping all");
    }

    #[test]
    fn arbitrary_bytes_are_safe(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        assert_terminal_safe(&sanitize_bytes(&bytes))?;
    }

    #[test]
    fn the_output_parsers_take_any_text(text in hostile_text()) {
        // A `show()` table finder and the mime renderer never panic on hostile text.
        let _ = split_text_and_tables(&text);
        let output: livy_tui::livy::StatementOutput = serde_json::from_value(serde_json::json!({
            "status": "ok", "execution_count": 0,
            "data": {"text/plain": text, "text/html": text, "text/markdown": text,
                     "application/json": {"k": text}}
        })).unwrap();
        let _ = render(&output);
    }
}
