/** @module object-storage/storage/memory-disk-file: an in-memory DiskFileStore for tests */
import { Readable } from 'node:stream'
import type {
  DiskFileEntry,
  DiskFileStore,
  DiskFileWriter,
  ObjectMetadata,
  ObjectState,
} from './disk-file.js'

interface Item {
  partition: number
  state: ObjectState
  data?: { timestamp: string; bytes: Buffer }
}

function stampOf(state: ObjectState): string {
  return state.kind === 'data' ? state.metadata.timestamp : state.timestamp
}

/** Keeps the newest state of each object in a map; a real implementation of the contract. */
export class MemoryDiskFileStore implements DiskFileStore {
  private readonly items = new Map<string, Item>()

  async createWriter(partition: number, hash: string): Promise<DiskFileWriter> {
    const chunks: Buffer[] = []
    let open = true
    return {
      write: async (chunk) => {
        if (!open) throw new Error('writer is closed')
        chunks.push(chunk)
      },
      commit: async (metadata: ObjectMetadata) => {
        if (!open) throw new Error('writer is closed')
        open = false
        const current = this.items.get(hash)
        if (current && stampOf(current.state) >= metadata.timestamp) return
        this.items.set(hash, {
          partition,
          state: { kind: 'data', metadata, dataTimestamp: metadata.timestamp },
          data: { timestamp: metadata.timestamp, bytes: Buffer.concat(chunks) },
        })
      },
      abort: async () => {
        open = false
      },
    }
  }

  async read(_partition: number, hash: string): Promise<ObjectState | undefined> {
    return this.items.get(hash)?.state
  }

  async open(
    _partition: number,
    hash: string,
    range: { dataTimestamp: string; start: number; end: number },
  ): Promise<Readable> {
    const data = this.items.get(hash)?.data
    if (!data || data.timestamp !== range.dataTimestamp) throw new Error('data file is gone')
    return Readable.from([data.bytes.subarray(range.start, range.end + 1)])
  }

  async delete(partition: number, hash: string, tombstone: { timestamp: string; name: string }) {
    const current = this.items.get(hash)
    if (current && stampOf(current.state) >= tombstone.timestamp) return
    this.items.set(hash, { partition, state: { kind: 'tombstone', ...tombstone } })
  }

  async post(
    _partition: number,
    hash: string,
    update: { timestamp: string; headers: Record<string, string> },
  ): Promise<void> {
    const current = this.items.get(hash)
    if (!current || current.state.kind !== 'data' || stampOf(current.state) >= update.timestamp)
      return
    const metadata = {
      ...current.state.metadata,
      headers: update.headers,
      timestamp: update.timestamp,
    }
    current.state = { ...current.state, metadata }
  }

  async *list(): AsyncIterable<DiskFileEntry> {
    for (const [hash, item] of [...this.items]) {
      yield { partition: item.partition, hash, state: item.state }
    }
  }

  async quarantine(_partition: number, hash: string): Promise<void> {
    this.items.delete(hash)
  }
}
