//! Text measuring and wrapping by display width (wide CJK characters count two columns).

use unicode_width::UnicodeWidthChar;

/// Splits a line into pieces at most `width` columns wide (at least one piece).
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(c);
        used += w;
    }
    pieces.push(current);
    pieces
}

/// Splits a line into pieces at most `width` columns wide, breaking after spaces where it
/// can and inside a word only when the word alone is wider than `width`.
pub fn wrap_words(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    // words with their trailing spaces: "and more " → one unit
    for word in line.split_inclusive(' ') {
        let w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        let visible = w - word.chars().rev().take_while(|c| *c == ' ').count();
        if used + visible > width && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            used = 0;
        }
        if w > width {
            // a word wider than a line: cut it, keep going after its last piece
            let letters = word.trim_end_matches(' ');
            let mut parts = wrap(letters, width);
            let mut last = parts.pop().unwrap_or_default();
            // trailing spaces stay on the line (they show as nothing at its end)
            last.push_str(&word[letters.len()..]);
            for part in parts {
                if !current.is_empty() {
                    pieces.push(std::mem::take(&mut current));
                }
                pieces.push(part);
            }
            used = last.chars().map(|c| c.width().unwrap_or(0)).sum();
            current = last;
        } else {
            current.push_str(word);
            used += w;
        }
    }
    pieces.push(current);
    pieces
}

/// Cuts a line to at most `width` columns, marking the cut with `…`.
pub fn truncate(line: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width.saturating_sub(1) {
            let rest: usize = line
                .chars()
                .skip(out.chars().count())
                .map(|c| c.width().unwrap_or(0))
                .sum();
            if used + rest <= width {
                out.extend(line.chars().skip(out.chars().count()));
            } else {
                out.push('…');
            }
            return out;
        }
        out.push(c);
        used += w;
    }
    out
}

pub use crate::human::grouped;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_by_display_width() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("漢字漢字", 4), vec!["漢字", "漢字"]);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }

    #[test]
    fn wraps_at_words_and_cuts_only_long_words() {
        assert_eq!(wrap_words("and more words here", 9), ["and more ", "words ", "here"]);
        assert_eq!(wrap_words("abcdefghij kl", 4), ["abcd", "efgh", "ij ", "kl"]);
        assert_eq!(wrap_words("", 4), [""]);
        assert_eq!(wrap_words("漢字漢字 x", 4), ["漢字", "漢字 ", "x"]);
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
    }
}
