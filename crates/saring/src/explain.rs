//! `saring explain`: shows how the score of one text was reached — the normalised text, the
//! signals with their spans in the original, and every term of the model's sum — for a
//! person to read, or as JSON.

use std::io::{self, Read, Write};

use anyhow::{Context, Result};

use crate::input;
use crate::{ExplainArgs, Outcome};

/// Runs `saring explain`.
pub fn run(args: &ExplainArgs) -> Result<Outcome> {
    let text = read_text(args)?;
    let detector = input::load_detector(
        args.detector.policy.as_deref(),
        args.detector.model.as_deref(),
    )?;
    let explanation = detector.explain(&text);
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &explanation)
            .context("cannot write the explanation")?;
        writeln!(out).context("cannot write the explanation")?;
    } else {
        write!(out, "{explanation}").context("cannot write the explanation")?;
    }
    out.flush().context("cannot write the explanation")?;
    Ok(Outcome::Success)
}

/// The text to explain: the argument, the file, or stdin for `-`.
fn read_text(args: &ExplainArgs) -> Result<String> {
    let raw = match (&args.text, &args.file) {
        (Some(text), _) if text != "-" => return Ok(text.clone()),
        (_, Some(path)) if !input::is_stdin(path) => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
        }
        _ => {
            let mut buf = Vec::new();
            io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read stdin")?;
            buf
        }
    };
    let text = String::from_utf8(raw).map_err(|e| {
        anyhow::anyhow!(
            "the text is not UTF-8 (invalid byte at {})",
            e.utf8_error().valid_up_to() + 1
        )
    })?;
    Ok(without_final_newline(text))
}

/// Drops one final line break, which files and `echo` add but the author did not write.
fn without_final_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_final_newline_is_dropped() {
        assert_eq!(without_final_newline("a\r\n".to_owned()), "a");
        assert_eq!(without_final_newline("a\n\n".to_owned()), "a\n");
        assert_eq!(without_final_newline("a".to_owned()), "a");
    }
}
