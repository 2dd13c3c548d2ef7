import { escapeIdentifier } from 'pg';
import { describeAuditSink } from '../../test/contracts/audit-sink.js';
import { testPostgres } from '../../test/support/postgres.js';
import { PostgresAuditSink } from './postgres-sink.js';

const { url, skip, admin, freshSchema } = await testPostgres();

describeAuditSink(
  'the PostgreSQL audit sink',
  async () => {
    const schema = freshSchema();
    const table = `${escapeIdentifier(schema)}.toolgate_audit`;
    return {
      sink: await PostgresAuditSink.open(url, { schema }),
      edit: async (seq) => void (await admin.query(`UPDATE ${table} SET body = replace(body, 'sha256:abc', 'sha256:abd') WHERE seq = $1`, [seq])),
      remove: async (seq) => void (await admin.query(`DELETE FROM ${table} WHERE seq = $1`, [seq])),
      share: () => PostgresAuditSink.open(url, { schema }),
    };
  },
  { skip },
);
