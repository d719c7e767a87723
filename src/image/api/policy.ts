/** @module image/api/policy: the image service's default policy rules (Glance's legacy defaults) */

const ADMIN = 'rule:context_is_admin'

/**
 * Rule names to check strings; a policy file may override any of them. As in Glance, most rules
 * let any authenticated caller in: ownership and visibility are checked by the service layer.
 */
export const imagePolicyDefaults: Readonly<Record<string, string>> = {
  context_is_admin: 'role:admin',
  admin_or_owner: `${ADMIN} or project_id:%(owner)s`,

  add_image: '',
  get_image: '',
  get_images: '',
  modify_image: '',
  delete_image: '',
  publicize_image: ADMIN,
  communitize_image: '',
  upload_image: '',
  download_image: '',
  deactivate: '',
  reactivate: '',
  stage_image: '',
  import_image: '',

  add_member: '',
  get_member: '',
  get_members: '',
  modify_member: '',
  delete_member: '',

  get_schemas: '',
  get_info: '',
  get_usage: '',
}
