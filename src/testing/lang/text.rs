//! Small parsing helpers shared by the scripted languages: literals, splitting, arithmetic,
//! and Spark's `show()` table.

use std::collections::HashMap;

/// A number produced by scripted arithmetic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// An integer.
    Int(i64),
    /// A floating-point value.
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// Python's `repr` (floats always show a fraction: `2.0`).
    pub fn python_repr(self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(f) if f.is_finite() && f.fract() == 0.0 => format!("{f:.1}"),
            Num::Float(f) => f.to_string(),
        }
    }

    /// Scala's type and value as the REPL echoes them: `Int = 2`, `Double = 2.5`.
    pub fn scala_typed(self) -> String {
        match self {
            Num::Int(i) if i32::try_from(i).is_ok() => format!("Int = {i}"),
            Num::Int(i) => format!("Long = {i}"),
            Num::Float(f) => format!("Double = {}", Num::Float(f).python_repr()),
        }
    }
}

/// Why an expression could not be evaluated.
#[derive(Clone, Debug, PartialEq)]
pub enum ArithError {
    /// Not an arithmetic expression at all.
    NotArithmetic,
    /// A name that is not defined.
    UnknownName(String),
    /// Division or modulo by zero.
    DivideByZero,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Num(Num),
    Ident(String),
    Op(&'static str),
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_') {
                i += 1;
            }
            let literal: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            // Scala/Python suffixes such as `10L` are accepted and ignored.
            if i < chars.len() && matches!(chars[i], 'L' | 'l') {
                i += 1;
            }
            let num = if literal.contains('.') {
                Num::Float(literal.parse().ok()?)
            } else {
                Num::Int(literal.parse().ok()?)
            };
            tokens.push(Token::Num(num));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = match two.as_str() {
                "//" => "//",
                "**" => "**",
                _ => match c {
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '%' => "%",
                    '(' => "(",
                    ')' => ")",
                    _ => return None,
                },
            };
            i += op.len();
            tokens.push(Token::Op(op));
        }
    }
    Some(tokens)
}

/// Evaluates `+ - * / // % **` over integers, floats and known names. With
/// `true_division`, `/` always gives a float (Python); otherwise integer `/` truncates (Scala).
pub fn eval_arith(text: &str, vars: &HashMap<String, Num>, true_division: bool) -> Result<Num, ArithError> {
    let tokens = tokenize(text).ok_or(ArithError::NotArithmetic)?;
    if tokens.is_empty() {
        return Err(ArithError::NotArithmetic);
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        vars,
        true_division,
    };
    let value = parser.expr()?;
    if parser.pos != parser.tokens.len() {
        return Err(ArithError::NotArithmetic);
    }
    Ok(value)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    vars: &'a HashMap<String, Num>,
    true_division: bool,
}

impl Parser<'_> {
    fn peek_op(&self) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some(Token::Op(op)) => Some(op),
            _ => None,
        }
    }

    fn expr(&mut self) -> Result<Num, ArithError> {
        let mut left = self.term()?;
        while let Some(op @ ("+" | "-")) = self.peek_op() {
            self.pos += 1;
            let right = self.term()?;
            left = apply(op, left, right, self.true_division)?;
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Num, ArithError> {
        let mut left = self.power()?;
        while let Some(op @ ("*" | "/" | "//" | "%")) = self.peek_op() {
            self.pos += 1;
            let right = self.power()?;
            left = apply(op, left, right, self.true_division)?;
        }
        Ok(left)
    }

    fn power(&mut self) -> Result<Num, ArithError> {
        let base = self.unary()?;
        if self.peek_op() == Some("**") {
            self.pos += 1;
            let exp = self.power()?;
            return apply("**", base, exp, self.true_division);
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<Num, ArithError> {
        if self.peek_op() == Some("-") {
            self.pos += 1;
            return Ok(match self.unary()? {
                Num::Int(i) => Num::Int(-i),
                Num::Float(f) => Num::Float(-f),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Num, ArithError> {
        let token = self.tokens.get(self.pos).cloned().ok_or(ArithError::NotArithmetic)?;
        self.pos += 1;
        match token {
            Token::Num(n) => Ok(n),
            Token::Ident(name) => self.vars.get(&name).copied().ok_or(ArithError::UnknownName(name)),
            Token::Op("(") => {
                let value = self.expr()?;
                if self.peek_op() != Some(")") {
                    return Err(ArithError::NotArithmetic);
                }
                self.pos += 1;
                Ok(value)
            }
            Token::Op(_) => Err(ArithError::NotArithmetic),
        }
    }
}

fn apply(op: &str, a: Num, b: Num, true_division: bool) -> Result<Num, ArithError> {
    use Num::{Float, Int};
    let zero = b.as_f64() == 0.0;
    Ok(match (op, a, b) {
        ("/" | "//" | "%", _, _) if zero => return Err(ArithError::DivideByZero),
        ("+", Int(x), Int(y)) => Int(x.wrapping_add(y)),
        ("-", Int(x), Int(y)) => Int(x.wrapping_sub(y)),
        ("*", Int(x), Int(y)) => Int(x.wrapping_mul(y)),
        ("/", Int(x), Int(y)) if !true_division => Int(x / y),
        ("//", Int(x), Int(y)) => Int(x.div_euclid(y)),
        ("%", Int(x), Int(y)) => Int(if true_division { x.rem_euclid(y) } else { x % y }),
        ("**", Int(x), Int(y)) if (0..64).contains(&y) => Int(x.wrapping_pow(y as u32)),
        ("+", x, y) => Float(x.as_f64() + y.as_f64()),
        ("-", x, y) => Float(x.as_f64() - y.as_f64()),
        ("*", x, y) => Float(x.as_f64() * y.as_f64()),
        ("/", x, y) => Float(x.as_f64() / y.as_f64()),
        ("//", x, y) => Float((x.as_f64() / y.as_f64()).floor()),
        ("%", x, y) => Float(x.as_f64() % y.as_f64()),
        ("**", x, y) => Float(x.as_f64().powf(y.as_f64())),
        _ => return Err(ArithError::NotArithmetic),
    })
}

/// The content of a string literal in double (or, with `single`, single) quotes.
pub fn string_literal(text: &str, single: bool) -> Option<String> {
    let text = text.trim();
    let quote = text.chars().next()?;
    if !(quote == '"' || (single && quote == '\'')) || text.len() < 2 || !text.ends_with(quote) {
        return None;
    }
    let inner = &text[1..text.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == quote {
            return None; // two literals, or an unescaped quote: not a single literal
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Python's `repr` of a string.
pub fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Splits on `sep` outside quotes and brackets.
pub fn split_top_level(text: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if let Some(q) = quote {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// The text inside `prefix(` … `)` when `text` is exactly such a call.
pub fn call_arg<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = text.trim().strip_prefix(prefix)?.trim_start();
    let rest = rest.strip_prefix('(')?;
    let inner = rest.strip_suffix(')')?;
    // Reject `f(a)(b)` and `f(a) + g(b)`: the parentheses must balance inside.
    let mut depth = 0i32;
    for c in inner.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return None;
        }
    }
    (depth == 0).then_some(inner)
}

/// The first identifier in `text` (what a compiler complains about).
pub fn first_identifier(text: &str) -> String {
    let start = text.find(|c: char| c.is_alphabetic() || c == '_');
    match start {
        Some(start) => text[start..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect(),
        None => text.trim().to_string(),
    }
}

/// The dotted name before character `cursor` of `code`, split at its last dot:
/// `("spark", "ran")` for `x = spark.ran`, `("", "pri")` for `pri`.
pub fn dotted_name_before(code: &str, cursor: usize) -> (String, String) {
    let before: Vec<char> = code.chars().take(cursor).collect();
    let from = before
        .iter()
        .rposition(|c| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
        .map_or(0, |i| i + 1);
    let token: String = before[from..].iter().collect();
    match token.rsplit_once('.') {
        Some((receiver, prefix)) => (receiver.to_string(), prefix.to_string()),
        None => (String::new(), token),
    }
}

/// Whether brackets are left open (the REPL then answers "incomplete statement").
pub fn is_incomplete(code: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in code.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' => quote = Some(c),
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => depth -= 1,
                _ => {}
            },
        }
    }
    depth > 0
}

/// `spark.range(N)` followed only by `.toDF()` and a final `.show()`: returns N.
pub fn range_show(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix("spark.range(")?;
    let (n, rest) = rest.split_once(')')?;
    let n: i64 = n.trim().parse().ok()?;
    let rest = rest.trim().strip_prefix(".toDF()").unwrap_or(rest.trim());
    matches!(rest, ".show()" | ".show").then_some(n)
}

/// Spark's `Dataset.show()` text for one `id` column of `0..n` (20 rows at most).
pub fn show_range_table(n: i64) -> String {
    let shown = n.clamp(0, 20);
    let width = (0..shown).map(|i| i.to_string().len()).max().unwrap_or(0).max(3);
    let border = format!("+{}+\n", "-".repeat(width));
    let mut out = border.clone();
    out.push_str(&format!("|{:>width$}|\n", "id"));
    out.push_str(&border);
    for i in 0..shown {
        out.push_str(&format!("|{i:>width$}|\n"));
    }
    out.push_str(&border);
    if n > 20 {
        out.push_str("only showing top 20 rows\n");
    }
    out
}
