/** @module core/policy/policy-parser: parses oslo.policy check strings into an expression tree. */

/** A piece of a check's right-hand side: literal text or a `%(dotted.key)s` target lookup. */
export type TemplatePart = { readonly text: string } | { readonly key: string }

/**
 * A parsed check string. `generic` compares a credential attribute (dotted path) with the
 * right-hand side; `literal` compares a constant left side (`'member':%(role)s`) with it.
 */
export type PolicyNode =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'and'; readonly checks: readonly PolicyNode[] }
  | { readonly kind: 'or'; readonly checks: readonly PolicyNode[] }
  | { readonly kind: 'not'; readonly check: PolicyNode }
  | { readonly kind: 'rule'; readonly name: string }
  | { readonly kind: 'role'; readonly match: readonly TemplatePart[] }
  | { readonly kind: 'generic'; readonly field: string; readonly match: readonly TemplatePart[] }
  | { readonly kind: 'literal'; readonly value: string; readonly match: readonly TemplatePart[] }

/** Thrown when a check string is not valid oslo.policy syntax; `rule` is the whole text. */
export class PolicySyntaxError extends Error {
  override readonly name = 'PolicySyntaxError'
  /** The check string that failed to parse. */
  readonly rule: string
  /** What is wrong with it. */
  readonly reason: string
  /** The policy name the check string was registered under, when known. */
  readonly policyName: string | undefined

  constructor(rule: string, reason: string, policyName?: string) {
    const where = policyName === undefined ? '' : ` for policy "${policyName}"`
    super(`Invalid policy rule "${rule}"${where}: ${reason}`)
    this.rule = rule
    this.reason = reason
    this.policyName = policyName
  }
}

type Token =
  | { readonly type: '(' | ')' | 'and' | 'or' | 'not' }
  | { readonly type: 'check'; readonly node: PolicyNode }

const KEYWORDS = ['and', 'or', 'not'] as const
type Keyword = (typeof KEYWORDS)[number]

function isKeyword(value: string): value is Keyword {
  return (KEYWORDS as readonly string[]).includes(value)
}

/**
 * Parses an oslo.policy check string. `""` and `@` allow, `!` denies; `not` binds tighter than
 * `and`, which binds tighter than `or`. Tokens are split on whitespace, as oslo does.
 * @throws PolicySyntaxError naming the rule text when it cannot be parsed.
 */
export function parsePolicyRule(rule: string): PolicyNode {
  if (rule === '') return { kind: 'true' }
  const tokens = tokenize(rule)
  if (tokens.length === 0) throw new PolicySyntaxError(rule, 'the rule is blank')
  const parser = new Parser(rule, tokens)
  return parser.parseAll()
}

/** Lists the rule names a parsed rule refers to through `rule:` checks. */
export function referencedRules(node: PolicyNode): string[] {
  switch (node.kind) {
    case 'rule':
      return [node.name]
    case 'and':
    case 'or':
      return node.checks.flatMap(referencedRules)
    case 'not':
      return referencedRules(node.check)
    default:
      return []
  }
}

function tokenize(rule: string): Token[] {
  const tokens: Token[] = []
  for (const piece of rule.split(/\s+/)) {
    if (piece === '') continue
    let start = 0
    while (piece[start] === '(') {
      tokens.push({ type: '(' })
      start++
    }
    let end = piece.length
    while (end > start && piece[end - 1] === ')') end--
    const clean = piece.slice(start, end)
    if (clean !== '') {
      const lowered = clean.toLowerCase()
      if (isKeyword(lowered)) tokens.push({ type: lowered })
      else tokens.push({ type: 'check', node: parseCheck(rule, clean) })
    }
    for (let i = end; i < piece.length; i++) tokens.push({ type: ')' })
  }
  return tokens
}

function parseCheck(rule: string, text: string): PolicyNode {
  if (text === '!') return { kind: 'false' }
  if (text === '@') return { kind: 'true' }
  if (unquote(text) !== undefined) {
    throw new PolicySyntaxError(rule, `quoted string ${text} is not a check`)
  }
  const colon = text.indexOf(':')
  if (colon < 0) throw new PolicySyntaxError(rule, `"${text}" is not a check (kind:match)`)
  const kind = text.slice(0, colon)
  const right = text.slice(colon + 1)
  if (kind === '') throw new PolicySyntaxError(rule, `"${text}" has nothing left of ':'`)
  if (right === '') throw new PolicySyntaxError(rule, `"${text}" has nothing right of ':'`)
  if (kind === 'rule') return { kind: 'rule', name: right }
  const match = parseTemplate(rule, right)
  if (kind === 'role') return { kind: 'role', match }
  const literal = parseLiteral(kind)
  if (literal !== undefined) return { kind: 'literal', value: literal, match }
  return { kind: 'generic', field: kind, match }
}

function unquote(text: string): string | undefined {
  if (text.length < 2) return undefined
  const quote = text[0]
  if ((quote === "'" || quote === '"') && text[text.length - 1] === quote) {
    return text.slice(1, -1)
  }
  return undefined
}

/** Mirrors the Python literals oslo accepts on the left (via `ast.literal_eval`), as `str()`. */
function parseLiteral(kind: string): string | undefined {
  const quoted = unquote(kind)
  if (quoted !== undefined) return quoted
  if (kind === 'True' || kind === 'False' || kind === 'None') return kind
  if (/^-?(0|[1-9]\d*)$/.test(kind)) return String(Number.parseInt(kind, 10))
  return undefined
}

function parseTemplate(rule: string, text: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  let literal = ''
  let i = 0
  while (i < text.length) {
    const percent = text.indexOf('%', i)
    if (percent < 0) {
      literal += text.slice(i)
      break
    }
    literal += text.slice(i, percent)
    if (text[percent + 1] === '%') {
      literal += '%'
      i = percent + 2
      continue
    }
    const found = /^%\(([^()]+)\)s/.exec(text.slice(percent))
    if (found === null || found[1] === undefined) {
      throw new PolicySyntaxError(rule, `bad substitution in "${text}" (expected %(key)s)`)
    }
    if (literal !== '') parts.push({ text: literal })
    literal = ''
    parts.push({ key: found[1] })
    i = percent + found[0].length
  }
  if (literal !== '') parts.push({ text: literal })
  return parts
}

class Parser {
  private position = 0

  constructor(
    private readonly rule: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseAll(): PolicyNode {
    const node = this.parseOr()
    const extra = this.tokens[this.position]
    if (extra !== undefined) this.fail(`unexpected ${describe(extra)}`)
    return node
  }

  private parseOr(): PolicyNode {
    const checks = [this.parseAnd()]
    while (this.peek() === 'or') {
      this.position++
      checks.push(this.parseAnd())
    }
    return checks.length === 1 && checks[0] !== undefined ? checks[0] : { kind: 'or', checks }
  }

  private parseAnd(): PolicyNode {
    const checks = [this.parseNot()]
    while (this.peek() === 'and') {
      this.position++
      checks.push(this.parseNot())
    }
    return checks.length === 1 && checks[0] !== undefined ? checks[0] : { kind: 'and', checks }
  }

  private parseNot(): PolicyNode {
    if (this.peek() === 'not') {
      this.position++
      return { kind: 'not', check: this.parseNot() }
    }
    return this.parsePrimary()
  }

  private parsePrimary(): PolicyNode {
    const token = this.tokens[this.position]
    if (token === undefined) return this.fail('unexpected end of rule')
    this.position++
    if (token.type === 'check') return token.node
    if (token.type !== '(') return this.fail(`unexpected ${describe(token)}`)
    const inner = this.parseOr()
    const close = this.tokens[this.position]
    if (close?.type !== ')') {
      return this.fail(close === undefined ? 'missing ")"' : `unexpected ${describe(close)}`)
    }
    this.position++
    return inner
  }

  private peek(): Token['type'] | undefined {
    return this.tokens[this.position]?.type
  }

  private fail(reason: string): never {
    throw new PolicySyntaxError(this.rule, reason)
  }
}

function describe(token: Token): string {
  return token.type === 'check' ? 'check' : `"${token.type}"`
}
