/** @module image/store/store-registry: the image stores config may choose, by name */
import { createFakeStore } from './fake-store.js'
import { createFileStore } from './file-store.js'
import type { ImageStore } from './image-store.js'

/** What a store factory is given. */
export interface StoreFactoryOptions {
  /** Folder for stores that keep files. */
  dir: string
}

/** Every store driver, chosen by the validated `image.store` setting. */
export const imageStoreRegistry = {
  file: (options: StoreFactoryOptions): Promise<ImageStore> =>
    createFileStore({ dir: options.dir }),
  fake: async (): Promise<ImageStore> => createFakeStore(),
} as const

export type ImageStoreDriver = keyof typeof imageStoreRegistry

export const IMAGE_STORE_DRIVERS: readonly ImageStoreDriver[] = ['file', 'fake']
