/** @module clients/security-group-client: Networking security groups, for Nova's proxy API */
import { restCall, type RestEndpoint } from './rest-client.js'

type Json = Record<string, unknown>

/** A security group rule in Neutron's terms. */
export interface NetSecurityGroupRule {
  id: string
  securityGroupId: string
  direction: string
  protocol: string | null
  portRangeMin: number | null
  portRangeMax: number | null
  remoteIpPrefix: string | null
  remoteGroupId: string | null
  ethertype: string
}

export interface NetSecurityGroup {
  id: string
  name: string
  description: string
  projectId: string
  rules: NetSecurityGroupRule[]
}

function ruleFrom(r: Json): NetSecurityGroupRule {
  return {
    id: String(r['id']),
    securityGroupId: String(r['security_group_id']),
    direction: String(r['direction']),
    protocol: (r['protocol'] as string | null) ?? null,
    portRangeMin: (r['port_range_min'] as number | null) ?? null,
    portRangeMax: (r['port_range_max'] as number | null) ?? null,
    remoteIpPrefix: (r['remote_ip_prefix'] as string | null) ?? null,
    remoteGroupId: (r['remote_group_id'] as string | null) ?? null,
    ethertype: String(r['ethertype'] ?? 'IPv4'),
  }
}

function groupFrom(g: Json): NetSecurityGroup {
  return {
    id: String(g['id']),
    name: String(g['name']),
    description: String(g['description'] ?? ''),
    projectId: String(g['project_id'] ?? g['tenant_id'] ?? ''),
    rules: ((g['security_group_rules'] as Json[] | undefined) ?? []).map(ruleFrom),
  }
}

/** Security groups as the caller (whose token the endpoint carries) sees them. */
export interface SecurityGroupClient {
  list(projectId?: string): Promise<NetSecurityGroup[]>
  get(id: string): Promise<NetSecurityGroup>
  create(name: string, description: string): Promise<NetSecurityGroup>
  update(id: string, changes: { name?: string; description?: string }): Promise<NetSecurityGroup>
  delete(id: string): Promise<void>
  createRule(rule: Omit<NetSecurityGroupRule, 'id'>): Promise<NetSecurityGroupRule>
  getRule(id: string): Promise<NetSecurityGroupRule>
  deleteRule(id: string): Promise<void>
  /** Replaces a port's security groups. */
  setPortGroups(portId: string, groupIds: string[]): Promise<void>
  portGroups(portId: string): Promise<string[]>
}

export function createSecurityGroupClient(endpoint: RestEndpoint): SecurityGroupClient {
  return {
    async list(projectId) {
      const q = projectId ? `?project_id=${encodeURIComponent(projectId)}` : ''
      const r = await restCall(endpoint, 'GET', `/security-groups${q}`)
      return (r.body as { security_groups: Json[] }).security_groups.map(groupFrom)
    },
    async get(id) {
      const r = await restCall(endpoint, 'GET', `/security-groups/${encodeURIComponent(id)}`)
      return groupFrom((r.body as { security_group: Json }).security_group)
    },
    async create(name, description) {
      const r = await restCall(endpoint, 'POST', '/security-groups', {
        body: { security_group: { name, description } },
      })
      return groupFrom((r.body as { security_group: Json }).security_group)
    },
    async update(id, changes) {
      const r = await restCall(endpoint, 'PUT', `/security-groups/${encodeURIComponent(id)}`, {
        body: { security_group: changes },
      })
      return groupFrom((r.body as { security_group: Json }).security_group)
    },
    async delete(id) {
      await restCall(endpoint, 'DELETE', `/security-groups/${encodeURIComponent(id)}`)
    },
    async createRule(rule) {
      const r = await restCall(endpoint, 'POST', '/security-group-rules', {
        body: {
          security_group_rule: {
            security_group_id: rule.securityGroupId,
            direction: rule.direction,
            protocol: rule.protocol,
            port_range_min: rule.portRangeMin,
            port_range_max: rule.portRangeMax,
            remote_ip_prefix: rule.remoteIpPrefix,
            remote_group_id: rule.remoteGroupId,
            ethertype: rule.ethertype,
          },
        },
      })
      return ruleFrom((r.body as { security_group_rule: Json }).security_group_rule)
    },
    async getRule(id) {
      const r = await restCall(endpoint, 'GET', `/security-group-rules/${encodeURIComponent(id)}`)
      return ruleFrom((r.body as { security_group_rule: Json }).security_group_rule)
    },
    async deleteRule(id) {
      await restCall(endpoint, 'DELETE', `/security-group-rules/${encodeURIComponent(id)}`)
    },
    async setPortGroups(portId, groupIds) {
      await restCall(endpoint, 'PUT', `/ports/${encodeURIComponent(portId)}`, {
        body: { port: { security_groups: groupIds } },
      })
    },
    async portGroups(portId) {
      const r = await restCall(endpoint, 'GET', `/ports/${encodeURIComponent(portId)}`)
      return ((r.body as { port: Json }).port['security_groups'] as string[] | undefined) ?? []
    },
  }
}
