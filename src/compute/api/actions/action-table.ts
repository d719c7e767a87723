/** @module compute/api/actions/action-table: every server action by its body key */
import { addSecurityGroupAction } from './add-security-group-action.js'
import { confirmResizeAction } from './confirm-resize-action.js'
import { consoleOutputAction } from './console-output-action.js'
import { createBackupAction } from './create-backup-action.js'
import { createImageAction } from './create-image-action.js'
import { evacuateAction } from './evacuate-action.js'
import { addFloatingIpAction, removeFloatingIpAction } from './floating-ip-actions.js'
import { forceDeleteAction } from './force-delete-action.js'
import { liveMigrateAction } from './live-migrate-action.js'
import { lockAction } from './lock-action.js'
import { migrateAction } from './migrate-action.js'
import { pauseAction } from './pause-action.js'
import { rebootAction } from './reboot-action.js'
import { rebuildAction } from './rebuild-action.js'
import { removeSecurityGroupAction } from './remove-security-group-action.js'
import { resetStateAction } from './reset-state-action.js'
import { resizeAction } from './resize-action.js'
import { resumeAction } from './resume-action.js'
import { revertResizeAction } from './revert-resize-action.js'
import type { ServerAction } from './server-action.js'
import { shelveAction, shelveOffloadAction, unshelveAction } from './shelve-action.js'
import { startAction } from './start-action.js'
import { stopAction } from './stop-action.js'
import { suspendAction } from './suspend-action.js'
import { unlockAction } from './unlock-action.js'
import { unpauseAction } from './unpause-action.js'

export const serverActions: ReadonlyMap<string, ServerAction> = new Map(
  [
    rebootAction,
    stopAction,
    startAction,
    pauseAction,
    unpauseAction,
    suspendAction,
    resumeAction,
    lockAction,
    unlockAction,
    rebuildAction,
    resizeAction,
    confirmResizeAction,
    revertResizeAction,
    createImageAction,
    consoleOutputAction,
    addSecurityGroupAction,
    removeSecurityGroupAction,
    resetStateAction,
    forceDeleteAction,
    createBackupAction,
    migrateAction,
    liveMigrateAction,
    evacuateAction,
    shelveAction,
    shelveOffloadAction,
    unshelveAction,
    addFloatingIpAction,
    removeFloatingIpAction,
  ].map((a) => [a.key, a]),
)
