/** The service's name and version, as GET / and the OpenAPI document give them (keep in step with package.json). */
export const SERVICE_NAME = 'ATD case service'
export const SERVICE_VERSION = '0.1.0'
