/** @module core/policy: oslo.policy-compatible rules, enforcement and policy file overrides. */

export {
  parsePolicyRule,
  referencedRules,
  PolicySyntaxError,
  type PolicyNode,
  type TemplatePart,
} from './policy-parser.js'
export {
  createPolicyEnforcer,
  PolicyCycleError,
  PolicyNotRegisteredError,
  type PolicyCredentials,
  type PolicyEnforcer,
  type PolicyEnforcerOptions,
  type PolicyTarget,
} from './policy-enforcer.js'
export { loadPolicyOverrides, parsePolicyOverrides, PolicyFileError } from './policy-file.js'
