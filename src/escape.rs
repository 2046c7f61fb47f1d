//! The one escaping helper for text from policies and AWS answers shown to a
//! person (table, Markdown, `diff`, logs and error messages).
//!
//! A policy author chooses the Sid, the principals and, through the ARN, the
//! resource name; a terminal obeys the control characters in them: ESC clears
//! the screen or repaints lines, CR overwrites the start of a line with a fake
//! `HIGH` finding, LF starts one. Every control character (C0, DEL, C1), and the
//! Unicode controls that reorder or hide text (bidirectional overrides, zero-width
//! characters, the line and paragraph separators), is shown as a visible escape,
//! `\u{1b}`, so the text reads as what it is and stays on its line.

use std::borrow::Cow;

/// Characters a terminal or a renderer acts on instead of showing.
pub(crate) fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' // Arabic letter mark (a bidirectional control)
                | '\u{200b}'..='\u{200f}' // zero-width space, joiners, LRM, RLM
                | '\u{2028}' | '\u{2029}' // line and paragraph separators
                | '\u{202a}'..='\u{202e}' // bidirectional embeddings and overrides
                | '\u{2066}'..='\u{2069}' // bidirectional isolates
                | '\u{feff}' // zero-width no-break space (BOM)
        )
}

/// `text` with every hazardous character replaced by `\u{XX}`; borrowed when
/// there is none (the common case).
pub(crate) fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hazard(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`visible`] as an owned `String`, for messages that stay on one line.
pub(crate) fn one_line(text: &str) -> String {
    visible(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(
            visible("a\u{1b}[2Jb\u{7}\r\nHIGH"),
            "a\\u{1b}[2Jb\\u{7}\\u{d}\\u{a}HIGH"
        );
        assert_eq!(visible("\u{202e}evil\u{9b}"), "\\u{202e}evil\\u{9b}");
        for bidi in [
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let escaped = visible(&format!("a{bidi}b")).into_owned();
            assert_eq!(escaped, format!("a\\u{{{:x}}}b", bidi as u32));
        }
        assert!(matches!(
            visible("arn:aws:sqs:us-east-1:1:q é"),
            Cow::Borrowed(_)
        ));
    }
}
