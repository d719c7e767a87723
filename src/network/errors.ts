/** @module network/errors: the network service's errors, named after Neutron's exceptions */
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
} from '../core/errors/index.js'

/** 400 InvalidInput: a value Neutron's validators refuse. */
export class InvalidInputError extends BadRequestError {
  constructor(detail: string) {
    super(`Invalid input for operation: ${detail}`)
  }
}

export class NetworkNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Network ${id} could not be found.`)
  }
}

export class SubnetNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Subnet ${id} could not be found.`)
  }
}

export class PortNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Port ${id} could not be found.`)
  }
}

export class RouterNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Router ${id} could not be found.`)
  }
}

export class FloatingIPNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Floating IP ${id} could not be found.`)
  }
}

export class SecurityGroupNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Security group ${id} does not exist.`)
  }
}

export class SecurityGroupRuleNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Security group rule ${id} does not exist.`)
  }
}

export class SubnetPoolNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Subnet pool ${id} could not be found.`)
  }
}

export class RbacPolicyNotFoundError extends NotFoundError {
  constructor(id: string, type = 'network') {
    super(`RBAC policy on object ${id} of type ${type} could not be found.`)
  }
}

export class TagNotFoundError extends NotFoundError {
  constructor(resourceId: string, tag: string) {
    super(`Tag ${tag} could not be found for resource ${resourceId}.`)
  }
}

export class RouterInterfaceNotFoundError extends NotFoundError {
  constructor(routerId: string, portId: string) {
    super(`Router ${routerId} does not have an interface with id ${portId}.`)
  }
}

export class RouterInterfaceNotFoundForSubnetError extends NotFoundError {
  constructor(routerId: string, subnetId: string) {
    super(`Router ${routerId} has no interface on subnet ${subnetId}.`)
  }
}

/** 404 when a port's subnet has no router with a gateway on the floating IP's network. */
export class ExternalGatewayForFloatingIPNotFoundError extends NotFoundError {
  constructor(externalNetworkId: string, subnetId: string, portId: string) {
    super(
      `External network ${externalNetworkId} is not reachable from subnet ${subnetId}.  ` +
        `Therefore, cannot associate Port ${portId} with a Floating IP.`,
    )
  }
}

export class NetworkInUseError extends ConflictError {
  constructor(id: string) {
    super(
      `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`,
    )
  }
}

export class SubnetInUseError extends ConflictError {
  constructor(id: string, reason = 'One or more ports have an IP allocation from this subnet.') {
    super(`Unable to complete operation on subnet ${id}: ${reason}`)
  }
}

export class PortInUseError extends ConflictError {
  constructor(networkId: string, portId: string, deviceId: string) {
    super(
      `Unable to complete operation on port ${portId} for network ${networkId}. Port already has an attached device ${deviceId}.`,
    )
  }
}

export class RouterInUseError extends ConflictError {
  constructor(id: string, reason = 'still has ports') {
    super(`Router ${id} ${reason}`)
  }
}

export class RouterInterfaceInUseByFloatingIPError extends ConflictError {
  constructor(routerId: string, subnetId: string) {
    super(
      `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more floating IPs.`,
    )
  }
}

export class IpAddressGenerationFailureError extends ConflictError {
  constructor(networkId: string) {
    super(`No more IP addresses available on network ${networkId}.`)
  }
}

export class IpAddressAlreadyAllocatedError extends ConflictError {
  constructor(ip: string, subnetId: string) {
    super(`IP address ${ip} already allocated in subnet ${subnetId}`)
  }
}

export class IpAddressInUseError extends ConflictError {
  constructor(networkId: string, ip: string) {
    super(`Unable to complete operation for network ${networkId}. The IP address ${ip} is in use.`)
  }
}

export class MacAddressInUseError extends ConflictError {
  constructor(networkId: string, mac: string) {
    super(
      `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`,
    )
  }
}

export class InvalidIpForSubnetError extends BadRequestError {
  constructor(ip: string) {
    super(`IP address ${ip} is not a valid IP for the specified subnet.`)
  }
}

export class InvalidIpForNetworkError extends BadRequestError {
  constructor(ip: string) {
    super(`IP address ${ip} is not a valid IP for any of the subnets on the specified network.`)
  }
}

export class InvalidAllocationPoolError extends BadRequestError {
  constructor(pool: string) {
    super(`The allocation pool ${pool} is not valid.`)
  }
}

export class OutOfBoundsAllocationPoolError extends BadRequestError {
  constructor(pool: string, cidr: string) {
    super(`The allocation pool ${pool} spans beyond the subnet cidr ${cidr}.`)
  }
}

export class OverlappingAllocationPoolsError extends ConflictError {
  constructor(pool: string, other: string, cidr: string) {
    super(`Found overlapping allocation pools: ${pool} and ${other} for subnet ${cidr}.`)
  }
}

export class GatewayConflictWithAllocationPoolsError extends ConflictError {
  constructor(ip: string, pool: string) {
    super(`Gateway ip ${ip} conflicts with allocation pool ${pool}.`)
  }
}

export class ExternalNetworkInUseError extends ConflictError {
  constructor(id: string) {
    super(`External network ${id} cannot be updated to be internal: routers have gateways on it.`)
  }
}

export class FloatingIPPortAlreadyAssociatedError extends ConflictError {
  constructor(fip: string, port: string, fixedIp: string) {
    super(
      `Cannot associate floating IP ${fip} with port ${port} using fixed IP ${fixedIp}, as that fixed IP already has a floating IP on the external network.`,
    )
  }
}

export class SecurityGroupInUseError extends ConflictError {
  constructor(id: string) {
    super(`Security Group ${id} in use.`)
  }
}

export class SecurityGroupCannotRemoveDefaultError extends ConflictError {
  constructor() {
    super('Insufficient rights for removing default security group.')
  }
}

export class SecurityGroupDefaultAlreadyExistsError extends ConflictError {
  constructor() {
    super('Default security group already exists.')
  }
}

export class SecurityGroupRuleExistsError extends ConflictError {
  constructor(ruleId: string) {
    super(`Security group rule already exists. Rule id is ${ruleId}.`)
  }
}

export class SecurityGroupRuleInvalidError extends BadRequestError {}

export class SubnetPoolInUseError extends ConflictError {
  constructor(id: string) {
    super(`Unable to complete operation on subnet pool ${id}. Subnets are allocated from it.`)
  }
}

export class SubnetAllocationError extends ConflictError {
  constructor(reason: string) {
    super(`Failed to allocate subnet: ${reason}`)
  }
}

export class RbacPolicyInUseError extends ConflictError {
  constructor(objectId: string) {
    super(`RBAC policy on object ${objectId} cannot be removed because other objects depend on it.`)
  }
}

export class DuplicateRbacPolicyError extends ConflictError {
  constructor() {
    super('An RBAC policy already exists with those values.')
  }
}

export class OverQuotaError extends ConflictError {
  constructor(resource: string) {
    super(`Quota exceeded for resources: ['${resource}'].`)
  }
}

export class RevisionNumberConstraintFailedError extends PreconditionFailedError {
  constructor(expected: number, current: number) {
    super(`Constrained to ${expected}, but current revision is ${current}`)
  }
}

/** 400 for the router checks Neutron reports as a plain BadRequest (`Bad router request: ...`). */
export class BadRouterRequestError extends BadRequestError {
  constructor(detail: string) {
    super(`Bad router request: ${detail}.`)
  }
}

/** 400 for floating IP checks Neutron reports as a plain BadRequest. */
export class BadFloatingIPRequestError extends BadRequestError {
  constructor(detail: string) {
    super(`Bad floatingip request: ${detail}.`)
  }
}

export class InvalidRoutesError extends BadRequestError {
  constructor(detail: string) {
    super(`Invalid format for routes: ${detail}`)
  }
}

export class NoNetworkAvailableError extends ConflictError {
  constructor() {
    super('Unable to create the network. No tenant network is available for allocation.')
  }
}

export class AgentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Agent ${id} could not be found.`)
  }
}

/** 409: a live agent cannot be deleted (it would register again at its next report). */
export class AgentInUseError extends ConflictError {
  constructor(id: string) {
    super(`Agent ${id} is alive; stop it before deleting it.`)
  }
}
