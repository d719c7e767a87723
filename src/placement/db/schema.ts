/** @module placement/db/schema: the placement database's tables as Kysely sees them */

export interface ResourceProviderTable {
  uuid: string
  name: string
  generation: number
  parent_provider_uuid: string | null
  root_provider_uuid: string
  created_at: string
  updated_at: string
}

export interface InventoryTable {
  provider_uuid: string
  resource_class: string
  total: number
  reserved: number
  min_unit: number
  max_unit: number
  step_size: number
  allocation_ratio: number
}

export interface AllocationTable {
  consumer_id: string
  provider_uuid: string
  resource_class: string
  used: number
}

export interface ConsumerTable {
  uuid: string
  project_id: string
  user_id: string
  generation: number
}

export interface ProviderTraitTable {
  provider_uuid: string
  trait: string
}

export interface ProviderAggregateTable {
  provider_uuid: string
  aggregate_uuid: string
}

export interface TraitTable {
  name: string
  created_at: string
}

export interface PlacementDatabase {
  trait: TraitTable
  resource_provider: ResourceProviderTable
  inventory: InventoryTable
  allocation: AllocationTable
  consumer: ConsumerTable
  provider_trait: ProviderTraitTable
  provider_aggregate: ProviderAggregateTable
}
