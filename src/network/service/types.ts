/** @module network/service/types: the domain shapes the API layer renders */
export type { Network } from '../db/networks-repo.js'
export type { Subnet, HostRoute } from '../db/subnets-repo.js'
export type { Port, FixedIp } from '../db/ports-repo.js'
export type { Router, FloatingIp } from '../db/routers-repo.js'
export type { SecurityGroup, SecurityGroupRule } from '../db/security-groups-repo.js'
export type { SubnetPool, RbacPolicy } from '../db/policies-repo.js'
