//! Text from standard input or a file, read the way people save it: UTF-8
//! (with or without a byte-order mark), or UTF-16 with its byte-order mark,
//! as some Windows editors write it. Anything else gets a plain message, and
//! nothing is saved.

use std::io::Read;

use anyhow::Result;

use crate::UserError;

/// Decode `bytes`; `what` names where they came from ("standard input", a path).
pub fn decode(bytes: &[u8], what: &str) -> Result<String> {
    let utf16 = |units: Vec<u16>| {
        String::from_utf16(&units).map_err(|_| {
            UserError::new(
                format!("{what} starts like UTF-16 text but is not valid UTF-16, so nothing was saved."),
                "Save it again as UTF-8 (most editors offer it under Save as, or Encoding) and try again.",
            )
        })
    };
    let pairs = |rest: &[u8], be: bool| -> Vec<u16> {
        rest.chunks(2)
            .map(|c| {
                let (a, b) = (c[0], c.get(1).copied().unwrap_or(0));
                if be {
                    u16::from_be_bytes([a, b])
                } else {
                    u16::from_le_bytes([a, b])
                }
            })
            .collect()
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest, what),
        [0xFF, 0xFE, rest @ ..] => Ok(utf16(pairs(rest, false))?),
        [0xFE, 0xFF, rest @ ..] => Ok(utf16(pairs(rest, true))?),
        _ => utf8(bytes, what),
    }
}

fn utf8(bytes: &[u8], what: &str) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        UserError::new(
            format!(
                "{what} is not UTF-8 text (the first byte drawbridge cannot read is number {}), so nothing was saved.",
                e.utf8_error().valid_up_to() + 1
            ),
            "Save it again as UTF-8 (most editors offer it under Save as, or Encoding) and try again.",
        )
        .into()
    })
}

/// All of standard input, as text.
pub fn stdin_text() -> Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    decode(&bytes, "Standard input")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_utf16_with_a_byte_order_mark_are_read() {
        assert_eq!(decode("plain words".as_bytes(), "x").expect("utf-8"), "plain words");
        assert_eq!(decode(b"\xEF\xBB\xBFwith a mark", "x").expect("bom"), "with a mark");
        let mut le = vec![0xFF, 0xFE];
        le.extend("Zoë said hi".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le, "x").expect("utf-16le"), "Zoë said hi");
        let mut be = vec![0xFE, 0xFF];
        be.extend("Zoë said hi".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be, "x").expect("utf-16be"), "Zoë said hi");
    }

    #[test]
    fn other_bytes_get_a_plain_message() {
        let err = decode(b"caf\xE9 au lait", "Standard input").expect_err("latin-1");
        let text = err.to_string();
        assert!(text.contains("not UTF-8 text") && text.contains("number 4"), "{text}");
    }
}
