#!/usr/bin/env node
// Creates or drops a throwaway database: node scripts/pg-database.js create|drop <server-url> <name>
const { Client } = require('pg');

async function main() {
  const [action, url, name] = process.argv.slice(2);
  if (!['create', 'drop'].includes(action) || !url || !/^[a-z_][a-z0-9_]*$/.test(name ?? '')) {
    throw new Error('usage: pg-database.js create|drop <server-url> <name>');
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    if (action === 'create') await client.query(`CREATE DATABASE ${name}`);
    else await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(`pg-database: ${error.message}`);
  process.exit(1);
});
