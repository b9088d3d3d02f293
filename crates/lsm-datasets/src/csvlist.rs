//! A small RFC 4180 CSV reader for dataset lists: comma-separated fields, optional double
//! quotes (a quoted field may hold commas and `""` for a quote, but not a line break), CRLF or
//! LF line ends, a leading UTF-8 BOM ignored, blank lines skipped, surrounding spaces of
//! unquoted fields trimmed.

/// One parsed record: its 1-based line number and its fields.
pub(crate) struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Parse `text`; errors carry `(line, 1-based column, message)`.
pub(crate) fn parse(text: &str) -> Result<Vec<Record>, (usize, usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        out.push(Record {
            line,
            fields: split_line(raw).map_err(|(col, msg)| (line, col, msg))?,
        });
    }
    Ok(out)
}

fn split_line(s: &str) -> Result<Vec<String>, (usize, String)> {
    let mut fields = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        let col = fields.len() + 1;
        // skip leading spaces
        while chars.peek() == Some(&' ') || chars.peek() == Some(&'\t') {
            chars.next();
        }
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err((col, "unterminated quoted field".into())),
                    Some('"') => {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            field.push('"');
                        } else {
                            break;
                        }
                    }
                    Some(c) => field.push(c),
                }
            }
            while chars.peek() == Some(&' ') || chars.peek() == Some(&'\t') {
                chars.next();
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(c) => {
                    return Err((
                        col,
                        format!(
                            "unexpected `{c}` after a closing quote (expected `,` or end of line)"
                        ),
                    ))
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field.trim_end().to_string());
                        return Ok(fields);
                    }
                    Some(',') => {
                        fields.push(field.trim_end().to_string());
                        break;
                    }
                    Some('"') => {
                        return Err((
                            col,
                            "a quote inside an unquoted field (quote the whole field and double inner quotes)"
                                .into(),
                        ))
                    }
                    Some(c) => field.push(c),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_commas_and_crlf() {
        let r = parse("\u{feff}path,label\r\n\"a, b.wav\", yes \r\n\n\"say \"\"hi\"\"\",\"\"\n")
            .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].line, 2);
        assert_eq!(r[1].fields, vec!["a, b.wav", "yes"]);
        assert_eq!(r[2].line, 4);
        assert_eq!(r[2].fields, vec!["say \"hi\"", ""]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("a,b\nx,\"open\n").err().unwrap();
        assert_eq!((e.0, e.1), (2, 2));
        let e = parse("a,b\nx,\"q\"z\n").err().unwrap();
        assert_eq!((e.0, e.1), (2, 2));
        let e = parse("a,b\nx\"y,z\n").err().unwrap();
        assert_eq!((e.0, e.1), (2, 1));
    }
}
