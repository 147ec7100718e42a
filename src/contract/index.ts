/**
 * The wire contract of the lifecycle events: status lists, payload schemas and their types, the
 * routing keys, the seed's messages and the AsyncAPI document built from them. It imports nothing
 * of the application (only TypeBox), so every module and both roles may depend on it.
 */
export * from './asyncapi';
export * from './enums';
export * from './event-map';
export * from './payloads';
export * from './seed-messages';
