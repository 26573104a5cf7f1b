/** The state store: its port and vocabulary, and the in-memory implementation (the Table adapter is src/adapters/). */
export { MemoryStore, createMemoryStore } from './memory-store';
export type { StateStore, AuditRecord, ClaimRecord, OutboxItem, Json } from './port';
