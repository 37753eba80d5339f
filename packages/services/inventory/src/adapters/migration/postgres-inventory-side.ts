import { fileURLToPath } from 'node:url';
import type { MigrationRecord, MigrationSide, UpsertOptions } from '@polyshop/migration';
import { migrate, type SqlDatabase } from '@polyshop/stores';
import type { Reservation } from '../../domain/reservation.ts';
import type { StockAdjustment, StockLevel } from '../../domain/stock-level.ts';
import {
  ADJUSTMENT_COLUMNS,
  RESERVATION_COLUMNS,
  STOCK_COLUMNS,
  toAdjustment,
  toReservation,
  toStockLevel,
} from '../postgres/postgres-inventory-rows.ts';
import type { AdjustmentRow, ReservationRow, StockRow } from '../postgres/inventory-tables.ts';
import {
  adjustmentRecord,
  canonicalInventoryRecord,
  INVENTORY_KINDS,
  inventoryKind,
  parseAdjustmentKey,
  reservationRecord,
  stockRecord,
  type InventoryKind,
} from './inventory-migration-kinds.ts';

/** Per kind: its table, its key as text (code-point order with `COLLATE "C"`), and the columns read. */
const TABLES: Record<InventoryKind, { table: string; key: string; columns: string }> = {
  stock: { table: 'inventory.stock', key: 'sku', columns: STOCK_COLUMNS },
  reservations: { table: 'inventory.reservations', key: 'id', columns: RESERVATION_COLUMNS },
  adjustments: {
    table: 'inventory.adjustments',
    key: `(sku || '#' || lpad(stock_version::text, 12, '0'))`,
    columns: ADJUSTMENT_COLUMNS,
  },
};

/** A status's rank in SQL (see `STATUS_RANK`). */
const rankOf = (column: string) => `(CASE ${column} WHEN 'active' THEN 1 WHEN 'returned' THEN 3 ELSE 2 END)`;

type Row = Record<string, unknown>;

function toRecord(kind: InventoryKind, row: Row): MigrationRecord {
  switch (kind) {
    case 'stock':
      return stockRecord(toStockLevel(row as unknown as StockRow));
    case 'reservations':
      return reservationRecord(toReservation(row as unknown as ReservationRow));
    case 'adjustments': {
      const adjustment = row as unknown as AdjustmentRow;
      return adjustmentRecord(toAdjustment(adjustment), adjustment.stock_version ?? 0);
    }
  }
}

/**
 * Inventory in PostgreSQL (schema `inventory`) as the migration engine reads and writes it: keys in
 * code-point order, stock written as absolute counts if the stored version is lower (`ON CONFLICT …
 * WHERE version <`), reservations only forward in status, history entries once. Writes no events.
 */
export class PostgresInventorySide implements MigrationSide {
  readonly store = 'postgres';
  readonly kinds = INVENTORY_KINDS;
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.#db = db;
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    const k = inventoryKind(kind);
    const { table, key, columns } = TABLES[k];
    const rows = await this.#db.query<Row>(
      `SELECT ${columns} FROM ${table}
       WHERE $1::text IS NULL OR ${key} COLLATE "C" > $1::text COLLATE "C"
       ORDER BY ${key} COLLATE "C" LIMIT $2`,
      [after ?? null, limit],
    );
    return rows.map((row) => toRecord(k, row));
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const { table, key } = TABLES[inventoryKind(kind)];
    const [row] = await this.#db.query<{ key: string }>(
      `SELECT ${key} AS key FROM ${table} ORDER BY ${key} COLLATE "C" DESC LIMIT 1`,
    );
    return row?.key;
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    const k = inventoryKind(kind);
    const { table, key, columns } = TABLES[k];
    const rows = await this.#db.query<Row>(`SELECT ${columns} FROM ${table} WHERE ${key} = ANY($1::text[])`, [
      [...keys],
    ]);
    return rows.map((row) => toRecord(k, row));
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    const k = inventoryKind(kind);
    const written: string[] = [];
    for (const record of records) {
      if (await this.#upsert(k, record, options.force === true)) written.push(record.key);
    }
    return written;
  }

  async #upsert(kind: InventoryKind, record: MigrationRecord, force: boolean): Promise<boolean> {
    switch (kind) {
      case 'stock': {
        const level = record.body as StockLevel;
        const rows = await this.#db.query(
          `INSERT INTO inventory.stock AS s (sku, quantity, reserved, version, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (sku) DO UPDATE SET quantity = EXCLUDED.quantity, reserved = EXCLUDED.reserved,
             version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
           WHERE $6 OR s.version < EXCLUDED.version
           RETURNING sku`,
          [level.sku, level.quantity, level.reserved, record.version, new Date(level.updatedAt), force],
        );
        return rows.length > 0;
      }
      case 'reservations': {
        const reservation = record.body as Reservation;
        const rows = await this.#db.query(
          `INSERT INTO inventory.reservations AS r (id, status, items, ttl_seconds, expires_at, created_at, updated_at)
           VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, items = EXCLUDED.items,
             ttl_seconds = EXCLUDED.ttl_seconds, expires_at = EXCLUDED.expires_at,
             created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
           WHERE $8 OR ${rankOf('r.status')} < ${rankOf('EXCLUDED.status')}
           RETURNING id`,
          [
            reservation.id,
            reservation.status,
            JSON.stringify(reservation.items.map((item) => ({ sku: item.sku, quantity: item.quantity }))),
            reservation.ttlSeconds,
            new Date(reservation.expiresAt),
            new Date(reservation.createdAt),
            new Date(reservation.updatedAt),
            force,
          ],
        );
        return rows.length > 0;
      }
      case 'adjustments': {
        const adjustment = record.body as StockAdjustment;
        const { sku, stockVersion } = parseAdjustmentKey(record.key);
        const values = [
          sku,
          adjustment.kind,
          adjustment.delta,
          adjustment.quantityAfter,
          adjustment.reason,
          adjustment.actor ?? null,
          adjustment.reservationId ?? null,
          new Date(adjustment.at),
          stockVersion,
        ];
        const rows = await this.#db.query(
          `INSERT INTO inventory.adjustments AS a
             (sku, kind, delta, quantity_after, reason, actor, reservation_id, created_at, stock_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (sku, stock_version) DO ${
             force
               ? `UPDATE SET kind = EXCLUDED.kind, delta = EXCLUDED.delta, quantity_after = EXCLUDED.quantity_after,
                  reason = EXCLUDED.reason, actor = EXCLUDED.actor, reservation_id = EXCLUDED.reservation_id,
                  created_at = EXCLUDED.created_at`
               : 'NOTHING'
           }
           RETURNING id`,
          values,
        );
        return rows.length > 0;
      }
    }
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const k = inventoryKind(kind);
    await this.#db.transaction(async (tx) => {
      if (k === 'stock') {
        // the history refers to its SKU
        await tx.query(`DELETE FROM inventory.adjustments WHERE sku = ANY($1::text[])`, [[...keys]]);
      }
      const { table, key } = TABLES[k];
      await tx.query(`DELETE FROM ${table} WHERE ${key} = ANY($1::text[])`, [[...keys]]);
    });
  }

  async count(kind: string): Promise<number> {
    const { table } = TABLES[inventoryKind(kind)];
    const [row] = await this.#db.query<{ count: string | number }>(`SELECT count(*) AS count FROM ${table}`);
    return Number(row?.count ?? 0);
  }

  /** The keys of the SKU's history entries made by stock versions `from` to `to` (what writes just added, to copy). */
  async adjustmentKeysBetween(sku: string, from: number, to: number): Promise<string[]> {
    const rows = await this.#db.query<{ key: string }>(
      `SELECT ${TABLES.adjustments.key} AS key FROM inventory.adjustments
       WHERE sku = $1 AND stock_version BETWEEN $2 AND $3 ORDER BY stock_version`,
      [sku, from, to],
    );
    return rows.map((row) => row.key);
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalInventoryRecord(kind, body);
  }

  async drop(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query('DELETE FROM inventory.adjustments');
      await tx.query('DELETE FROM inventory.reservations');
      await tx.query('DELETE FROM inventory.stock');
    });
  }
}

const MIGRATIONS = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Creates or updates the `inventory` schema (what the service runs on start). */
export async function migrateInventory(db: SqlDatabase): Promise<void> {
  await migrate(db, { schema: 'inventory', directory: MIGRATIONS });
}
