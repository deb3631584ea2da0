//! Predicates over a run's summary row, as `[search] predicate` writes them: comparisons of
//! arithmetic on columns and numbers, joined by `and`, `or`, `not`, evaluated in exact rational
//! arithmetic (summary columns are integers; `0.5` and `1e18` are exact), so a verdict never
//! depends on float rounding.
//!
//! ```text
//! predicate  := or
//! or         := and ("or" and)*
//! and        := not ("and" not)*
//! not        := "not" not | comparison | "(" predicate ")"
//! comparison := sum ("<" | "<=" | ">" | ">=" | "==" | "!=") sum
//! sum        := product (("+" | "-") product)*
//! product    := unary (("*" | "/") unary)*
//! unary      := "-" unary | number | column | "(" sum ")"
//! ```
//! An empty cell (e.g. `first_term_start_day` when no term started) makes every comparison it
//! takes part in false; division by zero does the same.

use std::cmp::Ordering;

/// Longest predicate text.
pub const MAX_PREDICATE_CHARS: usize = 4_096;
/// Deepest nesting of parentheses and operators.
pub const MAX_PREDICATE_DEPTH: usize = 64;

/// A parsed predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicate {
    root: Cond,
    columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cond {
    Or(Box<Cond>, Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(Expr, CmpOp, Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Num(Ratio),
    Column(String),
    Neg(Box<Expr>),
    Bin(Box<Expr>, char, Box<Expr>),
}

/// An exact rational: `num / den`, `den > 0`, in lowest terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: i128,
    den: i128,
}

/// Why a predicate could not be evaluated on a row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// A column the row lacks.
    #[error("the summary has no column `{0}`")]
    NoColumn(String),
    /// A cell that is not an integer.
    #[error("column `{column}` holds `{text}`, not an integer")]
    NotInteger {
        /// The column.
        column: String,
        /// Its text.
        text: String,
    },
    /// Exact arithmetic overflowed 128 bits.
    #[error("the arithmetic overflows 128-bit integers (divide large wei columns first)")]
    Overflow,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

impl Ratio {
    fn int(v: i128) -> Ratio {
        Ratio { num: v, den: 1 }
    }

    fn new(num: i128, den: i128) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd(num, den).max(1);
        let (num, den) = (num / g, den / g);
        Some(if den < 0 {
            Ratio {
                num: num.checked_neg()?,
                den: den.checked_neg()?,
            }
        } else {
            Ratio { num, den }
        })
    }

    fn apply(self, op: char, o: Ratio) -> Result<Option<Ratio>, EvalError> {
        let of = EvalError::Overflow;
        let (num, den) = match op {
            '+' | '-' => {
                let b = if op == '+' {
                    o.num
                } else {
                    o.num.checked_neg().ok_or(of.clone())?
                };
                let l = self.num.checked_mul(o.den).ok_or(of.clone())?;
                let r = b.checked_mul(self.den).ok_or(of.clone())?;
                (
                    l.checked_add(r).ok_or(of.clone())?,
                    self.den.checked_mul(o.den).ok_or(of)?,
                )
            }
            '*' => (
                self.num.checked_mul(o.num).ok_or(of.clone())?,
                self.den.checked_mul(o.den).ok_or(of)?,
            ),
            _ => (
                self.num.checked_mul(o.den).ok_or(of.clone())?,
                self.den.checked_mul(o.num).ok_or(of)?,
            ),
        };
        if den == 0 {
            return Ok(None);
        }
        Ratio::new(num, den).map(Some).ok_or(EvalError::Overflow)
    }

    /// Exact comparison: the cross products are taken in 256 bits.
    fn cmp_exact(self, o: Ratio) -> Ordering {
        wide_mul(self.num, o.den).cmp(&wide_mul(o.num, self.den))
    }
}

/// A key ordered like the signed 256-bit product `a × b`: (sign, high, low), with the
/// magnitude of a negative product bit-inverted so that a larger magnitude sorts lower.
fn wide_mul(a: i128, b: i128) -> (u8, u128, u128) {
    let (x, y) = (a.unsigned_abs(), b.unsigned_abs());
    let (xh, xl) = (x >> 64, x & u128::from(u64::MAX));
    let (yh, yl) = (y >> 64, y & u128::from(u64::MAX));
    let (mid, carry) = (xl * yh).overflowing_add(xh * yl);
    let (low, carry_low) = (xl * yl).overflowing_add(mid << 64);
    let high = xh * yh + (mid >> 64) + (u128::from(carry) << 64) + u128::from(carry_low);
    let negative = (a < 0) != (b < 0) && (high | low) != 0;
    if negative {
        (0, !high, !low)
    } else {
        (1, high, low)
    }
}

impl Predicate {
    /// Parses `text`; errors say what is wrong and where (1-based character position).
    pub fn parse(text: &str) -> Result<Predicate, String> {
        if text.chars().count() > MAX_PREDICATE_CHARS {
            return Err(format!("longer than {MAX_PREDICATE_CHARS} characters"));
        }
        let tokens = lex(text)?;
        let mut p = Parser {
            tokens,
            at: 0,
            depth: 0,
            columns: Vec::new(),
        };
        let root = p.or()?;
        if let Some((tok, pos)) = p.tokens.get(p.at) {
            return Err(format!("unexpected `{tok}` at character {pos}"));
        }
        let mut columns = p.columns;
        columns.sort();
        columns.dedup();
        Ok(Predicate { root, columns })
    }

    /// The columns it reads, sorted.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Evaluates it on a row: `cell(column)` gives the column's text, `Some("")` for an empty
    /// cell and `None` for a column the row lacks.
    pub fn eval<'a>(&self, cell: &dyn Fn(&str) -> Option<&'a str>) -> Result<bool, EvalError> {
        eval_cond(&self.root, cell)
    }
}

fn eval_cond<'a>(c: &Cond, cell: &dyn Fn(&str) -> Option<&'a str>) -> Result<bool, EvalError> {
    Ok(match c {
        Cond::Or(a, b) => eval_cond(a, cell)? || eval_cond(b, cell)?,
        Cond::And(a, b) => eval_cond(a, cell)? && eval_cond(b, cell)?,
        Cond::Not(a) => !eval_cond(a, cell)?,
        Cond::Cmp(l, op, r) => {
            let (Some(l), Some(r)) = (eval_expr(l, cell)?, eval_expr(r, cell)?) else {
                return Ok(false);
            };
            let o = l.cmp_exact(r);
            match op {
                CmpOp::Lt => o.is_lt(),
                CmpOp::Le => o.is_le(),
                CmpOp::Gt => o.is_gt(),
                CmpOp::Ge => o.is_ge(),
                CmpOp::Eq => o.is_eq(),
                CmpOp::Ne => o.is_ne(),
            }
        }
    })
}

/// `None`: an empty cell or a division by zero somewhere below.
fn eval_expr<'a>(
    e: &Expr,
    cell: &dyn Fn(&str) -> Option<&'a str>,
) -> Result<Option<Ratio>, EvalError> {
    Ok(match e {
        Expr::Num(r) => Some(*r),
        Expr::Column(name) => {
            let text = cell(name).ok_or_else(|| EvalError::NoColumn(name.clone()))?;
            if text.is_empty() {
                return Ok(None);
            }
            let v: i128 = text.parse().map_err(|_| EvalError::NotInteger {
                column: name.clone(),
                text: text.to_owned(),
            })?;
            Some(Ratio::int(v))
        }
        Expr::Neg(a) => match eval_expr(a, cell)? {
            Some(r) => Some(Ratio {
                num: r.num.checked_neg().ok_or(EvalError::Overflow)?,
                den: r.den,
            }),
            None => None,
        },
        Expr::Bin(a, op, b) => match (eval_expr(a, cell)?, eval_expr(b, cell)?) {
            (Some(a), Some(b)) => a.apply(*op, b)?,
            _ => None,
        },
    })
}

fn lex(text: &str) -> Result<Vec<(String, usize)>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            tokens.push((chars[start..i].iter().collect(), pos));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((chars[start..i].iter().collect(), pos));
        } else if "<>=!".contains(c) {
            let two = chars.get(i + 1) == Some(&'=');
            let tok: String = if two {
                [c, '='].iter().collect()
            } else {
                c.to_string()
            };
            if tok == "=" || tok == "!" {
                return Err(format!(
                    "`{tok}` at character {pos}: comparisons are <, <=, >, >=, == and !="
                ));
            }
            i += tok.len();
            tokens.push((tok, pos));
        } else if "+-*/()".contains(c) {
            tokens.push((c.to_string(), pos));
            i += 1;
        } else {
            return Err(format!("unexpected `{c}` at character {pos}"));
        }
    }
    Ok(tokens)
}

/// `123`, `1_000`, `0.25`, `1e18`, `2.5e3` as an exact rational.
fn number(tok: &str) -> Option<Ratio> {
    let t = tok.replace('_', "");
    let (mantissa, exp) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (m.to_owned(), e.parse::<u32>().ok()?),
        None => (t.clone(), 0),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((&mantissa, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = format!("{whole}{frac}");
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let num: i128 = digits.parse().ok()?;
    let frac_len = u32::try_from(frac.len()).ok()?;
    let (num, den) = if exp >= frac_len {
        (num.checked_mul(10_i128.checked_pow(exp - frac_len)?)?, 1)
    } else {
        (num, 10_i128.checked_pow(frac_len - exp)?)
    };
    Ratio::new(num, den)
}

struct Parser {
    tokens: Vec<(String, usize)>,
    at: usize,
    depth: usize,
    columns: Vec<String>,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|(t, _)| t.as_str())
    }

    fn eat(&mut self, tok: &str) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn where_(&self) -> String {
        match self.tokens.get(self.at) {
            Some((t, pos)) => format!("`{t}` at character {pos}"),
            None => "the end".to_owned(),
        }
    }

    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_PREDICATE_DEPTH {
            return Err(format!("nested deeper than {MAX_PREDICATE_DEPTH} levels"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut left = self.and()?;
        while self.eat("or") {
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut left = self.not()?;
        while self.eat("and") {
            left = Cond::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Cond, String> {
        self.deeper()?;
        let cond = if self.eat("not") {
            Cond::Not(Box::new(self.not()?))
        } else if self.peek() == Some("(") && self.parenthesised_condition() {
            self.at += 1;
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(format!("expected `)`, found {}", self.where_()));
            }
            inner
        } else {
            self.comparison()?
        };
        self.depth -= 1;
        Ok(cond)
    }

    /// True if the `(` at the cursor opens a condition, not an arithmetic group: its matching
    /// `)` is not followed by an arithmetic or comparison operator, and it holds a comparison.
    fn parenthesised_condition(&self) -> bool {
        let mut depth = 0_usize;
        let mut holds_comparison = false;
        for (k, (t, _)) in self.tokens.iter().enumerate().skip(self.at) {
            match t.as_str() {
                "(" => depth += 1,
                ")" => {
                    depth -= 1;
                    if depth == 0 {
                        let next = self.tokens.get(k + 1).map(|(t, _)| t.as_str());
                        let arithmetic = matches!(
                            next,
                            Some("+" | "-" | "*" | "/" | "<" | "<=" | ">" | ">=" | "==" | "!=")
                        );
                        return holds_comparison && !arithmetic;
                    }
                }
                "<" | "<=" | ">" | ">=" | "==" | "!=" | "and" | "or" | "not" => {
                    holds_comparison = true;
                }
                _ => {}
            }
        }
        false
    }

    fn comparison(&mut self) -> Result<Cond, String> {
        let left = self.sum()?;
        let op = match self.peek() {
            Some("<") => CmpOp::Lt,
            Some("<=") => CmpOp::Le,
            Some(">") => CmpOp::Gt,
            Some(">=") => CmpOp::Ge,
            Some("==") => CmpOp::Eq,
            Some("!=") => CmpOp::Ne,
            _ => {
                return Err(format!(
                    "expected a comparison (<, <=, >, >=, ==, !=), found {}",
                    self.where_()
                ));
            }
        };
        self.at += 1;
        Ok(Cond::Cmp(left, op, self.sum()?))
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.product()?;
        while let Some(op @ ("+" | "-")) = self.peek() {
            let op = op.chars().next().unwrap_or('+');
            self.at += 1;
            left = Expr::Bin(Box::new(left), op, Box::new(self.product()?));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while let Some(op @ ("*" | "/")) = self.peek() {
            let op = op.chars().next().unwrap_or('*');
            self.at += 1;
            left = Expr::Bin(Box::new(left), op, Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.deeper()?;
        let e = self.atom()?;
        self.depth -= 1;
        Ok(e)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let Some((tok, pos)) = self.tokens.get(self.at).cloned() else {
            return Err("expected a number or a column, found the end".to_owned());
        };
        self.at += 1;
        match tok.as_str() {
            "-" => Ok(Expr::Neg(Box::new(self.unary()?))),
            "(" => {
                let inner = self.sum()?;
                if !self.eat(")") {
                    return Err(format!("expected `)`, found {}", self.where_()));
                }
                Ok(inner)
            }
            "and" | "or" | "not" => Err(format!(
                "expected a number or a column, found `{tok}` at character {pos}"
            )),
            t if t.starts_with(|c: char| c.is_ascii_digit() || c == '.') => number(t)
                .map(Expr::Num)
                .ok_or_else(|| format!("`{t}` at character {pos} is not a number")),
            t if t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') => {
                self.columns.push(t.to_owned());
                Ok(Expr::Column(t.to_owned()))
            }
            t => Err(format!(
                "expected a number or a column, found `{t}` at character {pos}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(text: &str, row: &[(&str, &str)]) -> bool {
        let p = Predicate::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        p.eval(&|c| row.iter().find(|(k, _)| *k == c).map(|(_, v)| *v))
            .unwrap()
    }

    #[test]
    fn comparisons_and_logic() {
        let row = [("a", "3"), ("b", "4"), ("empty", "")];
        assert!(holds("a < b", &row));
        assert!(holds("a + 1 == b and not b < a", &row));
        assert!(holds("a == 1 or (b >= 4 and a != 4)", &row));
        assert!(holds("(a + 1) * 2 == 8", &row));
        assert!(holds("a / b == 0.75", &row));
        assert!(holds("-a < 0 and a - b == -1", &row));
        assert!(!holds("empty == 0", &row));
        assert!(holds("not empty == 0", &row));
        assert!(!holds("a / 0 > 0", &row));
        assert!(holds("a * 1e18 == 3_000_000_000_000_000_000", &row));
        assert!(holds("2.5e1 == 25", &row));
    }

    #[test]
    fn wei_scale_comparisons_are_exact() {
        let big = "170141183460469231731687303715884105727"; // i128::MAX
        let row = [("w", big), ("one", "1")];
        assert!(holds("w / 3 > w / 4", &row));
        assert!(holds("w / 7 < w / 6", &row));
        assert!(holds("-w / 7 > -w / 6", &row));
        assert!(holds("w == w and w > w - one", &row));
    }

    #[test]
    fn errors_say_where() {
        for (text, part) in [
            ("a <", "the end"),
            ("a = 1", "comparisons are"),
            ("a < 1 and", "the end"),
            ("a + b", "expected a comparison"),
            ("a < 1 )", "unexpected `)`"),
            ("a < 1.2.3", "not a number"),
            ("a < $", "unexpected `$`"),
        ] {
            let e = Predicate::parse(text).unwrap_err();
            assert!(e.contains(part), "{text}: {e}");
        }
        let deep = format!("{}a{} < 1", "(".repeat(100), ")".repeat(100));
        assert!(Predicate::parse(&deep).unwrap_err().contains("nested"));
        assert_eq!(
            Predicate::parse("halted_days == 0 and reorgs < days * 2")
                .unwrap()
                .columns(),
            ["days", "halted_days", "reorgs"]
        );
    }
}
