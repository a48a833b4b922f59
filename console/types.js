// @ts-check
// The records and messages the console reads, for the type-check only: nothing here runs.
// Each mirrors the response DTO named beside it; keep them in step when the API changes.

/** @typedef {'awaiting_approval' | 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout'} ExecutionStatus */

/**
 * An execution (`ExecutionDto`). Timestamps are ISO-8601 UTC.
 * @typedef {object} Execution
 * @property {string} id
 * @property {string} task_name
 * @property {ExecutionStatus} status
 * @property {unknown[]} args
 * @property {Record<string, unknown>} kwargs
 * @property {unknown} result
 * @property {string | null} error
 * @property {string | null} traceback
 * @property {number} progress
 * @property {string | null} stage
 * @property {number | null} total_items
 * @property {number | null} completed_items
 * @property {string | null} message
 * @property {string | null} resource
 * @property {string} owner_id
 * @property {string | null} job_id
 * @property {number} attempts
 * @property {number} max_attempts
 * @property {number | null} priority
 * @property {string} queue
 * @property {number | null} timeout_ms
 * @property {string | null} retried_from
 * @property {string | null} idempotency_key
 * @property {string | null} cancel_requested_at
 * @property {string | null} file_name
 * @property {number | null} file_size
 * @property {string | null} callback_url
 * @property {string} created_at
 * @property {string | null} started_at
 * @property {string | null} completed_at
 * @property {string} updated_at
 * @property {number | null} duration_ms
 * @property {boolean} is_complete
 * @property {ApprovalRequirement[]} approval_required SPEC 7.11: [] when it ran at once
 * @property {ApprovalVote[]} approvals the votes cast on it, oldest first
 * @property {string | null} approval_deadline when it is cancelled if still awaiting approval
 */

/**
 * An approval an execution waits (or waited) for (`ApprovalRequirementDto`).
 * @typedef {object} ApprovalRequirement
 * @property {string} permission
 * @property {string} grant_id
 * @property {string} group
 * @property {number} quorum
 */

/**
 * A vote on an execution awaiting approval (`ApprovalVoteDto`).
 * @typedef {object} ApprovalVote
 * @property {string} principal_id
 * @property {string} name
 * @property {'approve' | 'reject'} decision
 * @property {string | null} comment
 * @property {string} at
 */

/**
 * One attempt to deliver a completion webhook (`WebhookDeliveryDto`); `delivered_at` is set on the attempt the receiver accepted (2xx).
 * @typedef {object} WebhookDelivery
 * @property {string} id
 * @property {string} delivery_id
 * @property {string} event
 * @property {number} attempt
 * @property {number | null} status_code
 * @property {string | null} error
 * @property {string} created_at
 * @property {string | null} delivered_at
 */

/**
 * What execute would decide (`ExplanationDto`, from POST /tasks/explain).
 * @typedef {object} Explanation
 * @property {string} task_name
 * @property {'run' | 'approval' | 'denied'} outcome
 * @property {Array<{ permission: string, outcome: 'run' | 'approval' | 'denied', grant_id: string | null, via: string | null, conditions: object | null, reason: string | null }>} permissions
 */

/**
 * The answer to an execute or a retry (`ExecutionAcceptedDto`).
 * @typedef {object} ExecutionAccepted
 * @property {string} execution_id
 * @property {string} job_id
 * @property {ExecutionStatus} status
 * @property {string} message
 */

/**
 * One page of a keyset-paged list (`ExecutionPageDto`, `AuditPageDto`).
 * @template T
 * @typedef {object} Page
 * @property {T[]} items
 * @property {string | null} next_cursor pass as `cursor` for the next page; null on the last
 */

/**
 * Executions counted by status (`ExecutionStatisticsDto`).
 * @typedef {{ total: number } & Record<ExecutionStatus, number>} ExecutionStatistics
 */

/**
 * The part of JSON Schema the console reads from a task's kwargs schema.
 * @typedef {object} JsonSchema
 * @property {string | string[]} [type]
 * @property {unknown[]} [enum]
 * @property {Record<string, JsonSchema>} [properties]
 * @property {string[]} [required]
 * @property {unknown} [default]
 * @property {string} [description]
 * @property {number} [minimum]
 * @property {number} [maximum]
 * @property {number} [maxLength]
 * @property {boolean} [writeOnly] a sensitive argument: sent, never shown back (`"***"`)
 */

/**
 * A registered task and whether this caller may run it (`TaskCatalogEntryDto`).
 * @typedef {object} TaskCatalogEntry
 * @property {string} task_name
 * @property {string} description
 * @property {string[]} permissions
 * @property {string} queue
 * @property {boolean} accepts_file
 * @property {number | null} timeout_ms
 * @property {number} max_attempts
 * @property {JsonSchema} kwargs_schema
 * @property {string} kwargs_schema_ref
 * @property {boolean} can_execute
 * @property {string} reason
 * @property {string[]} missing_permissions
 */

/**
 * The signed-in caller (`MeDto`, from GET /me).
 * @typedef {object} Me
 * @property {{ id: string, name: string, kind: PrincipalKind, is_admin: boolean }} principal
 *   `is_admin` is this token's admin power: false for scoped tokens
 * @property {string[]} groups
 * @property {string[]} permissions effective: direct and group grants, narrowed by the token's scopes
 * @property {{ id: string, name: string, scopes: string[] | null, expires_at: string | null }} token
 */

// ---- WebSocket at /api/v1/ws (`WsInbound` and the gateway's `task_update` and `error`)

/**
 * @typedef {{ type: 'subscribe' | 'unsubscribe', execution_id: string }} LiveRequest
 */

/**
 * A change to a subscribed execution; the last one has `is_complete`. Results, errors and timings
 * are not in it: read the record for those.
 * @typedef {object} TaskUpdateMessage
 * @property {'task_update'} type
 * @property {string} execution_id
 * @property {ExecutionStatus} status
 * @property {number} progress
 * @property {string | null} stage
 * @property {string | null} message
 * @property {number | null} total_items
 * @property {number | null} completed_items
 * @property {boolean} is_complete
 */

/** @typedef {{ type: 'error', message: string }} LiveErrorMessage */

/** @typedef {TaskUpdateMessage | LiveErrorMessage} LiveMessage */

// ---- admin API (the DTOs in src/admin)

/** @typedef {'user' | 'service'} PrincipalKind */

/** @typedef {{ id: string, name: string }} NamedRef */

/**
 * `AdminPrincipalDto`; `permissions` are the ones granted directly, not through groups.
 * @typedef {object} AdminPrincipal
 * @property {string} id
 * @property {string} name
 * @property {PrincipalKind} kind
 * @property {boolean} is_admin
 * @property {boolean} disabled
 * @property {string} created_at
 * @property {NamedRef[]} groups
 * @property {string[]} permissions
 */

/**
 * @typedef {object} AdminGroup
 * @property {string} id
 * @property {string} name
 * @property {string} created_at
 * @property {NamedRef[]} members
 * @property {string[]} permissions
 */

/**
 * A permission granted to a principal or to a group: exactly one of the two ids is set.
 * @typedef {object} AdminGrant
 * @property {string} id
 * @property {string} permission
 * @property {string | null} principal_id
 * @property {string | null} principal_name
 * @property {string | null} group_id
 * @property {string | null} group_name
 * @property {object | null} conditions the requests it covers (SPEC 7.7); null: all
 * @property {GrantApproval | null} approval matching requests wait for it (SPEC 7.11); null: they run at once
 * @property {Quota | null} quota limits on the executions it authorizes (SPEC 7.13); null: none
 * @property {string} created_at
 */

/**
 * SPEC 7.11: who must approve the requests a grant covers.
 * @typedef {object} GrantApproval
 * @property {string} group a group name
 * @property {number} [quorum] distinct approvals needed (1-10, default 1)
 * @property {string} [timeout] cancelled if not approved within it (default 24h)
 */

/**
 * SPEC 7.13: limits on executions, of a grant or a token.
 * @typedef {object} Quota
 * @property {number} [per_hour] executions started in any hour
 * @property {number} [concurrent] executions pending, awaiting approval or running at once
 */

/**
 * `KnownPermissionDto`: who declares a permission and who holds it.
 * @typedef {object} KnownPermission
 * @property {string} permission
 * @property {string[]} tasks
 * @property {string[]} principals
 * @property {string[]} groups
 */

/**
 * A token as admins see it: never the secret.
 * @typedef {object} AdminToken
 * @property {string} id
 * @property {string} principal_id
 * @property {string} name
 * @property {string} prefix the first characters of the secret
 * @property {string[] | null} scopes
 * @property {string | null} expires_at
 * @property {Quota | null} quota limits on the executions made with it (SPEC 7.13); null: none
 * @property {string | null} last_used_at
 * @property {string | null} revoked_at
 * @property {string} created_at
 */

/** @typedef {{ token: AdminToken, secret: string }} CreatedToken the secret is shown this once */

/** @typedef {ExecutionStatistics & { start: string }} TimelineBucket executions created in one bucket */

/**
 * @typedef {object} AdminOverview
 * @property {ExecutionStatistics} statistics
 * @property {{ bucket_minutes: number, buckets: TimelineBucket[] }} timeline oldest bucket first
 */

/**
 * @typedef {'execution.execute' | 'execution.execute_denied' | 'execution.cancel' | 'execution.retry'
 *   | 'execution.delete' | 'execution.update' | 'token.create' | 'token.revoke' | 'principal.create'
 *   | 'principal.update' | 'group.create' | 'group.delete' | 'group.add_member' | 'group.remove_member'
 *   | 'grant.create' | 'grant.update' | 'grant.delete'} AuditAction
 */

/**
 * `AuditEventDto`.
 * @typedef {object} AuditEvent
 * @property {string} id
 * @property {string} occurred_at
 * @property {string | null} actor_id
 * @property {string} actor_name
 * @property {string | null} token_id
 * @property {string | null} client_address
 * @property {AuditAction} action
 * @property {string | null} target_type
 * @property {string | null} target_id
 * @property {Record<string, unknown> | null} details
 */

export {};

/**
 * @typedef {object} TaskStatistics one task's figures over the window (GET /executions/statistics?group_by=task)
 * @property {string} task_name
 * @property {number} total
 * @property {number} pending
 * @property {number} running
 * @property {number} completed
 * @property {number} failed
 * @property {number} cancelled
 * @property {number} timeout
 * @property {{ p50: number | null, p95: number | null, max: number | null }} duration_ms over finished executions
 * @property {{ p50: number | null, p95: number | null }} queue_wait_ms started_at − created_at, over finished executions
 */

/**
 * @typedef {object} TaskStatisticsReport
 * @property {string} window_start
 * @property {string} window_end
 * @property {TaskStatistics[]} tasks
 */

/**
 * @typedef {object} BulkResult POST /executions/cancel and /executions/retry
 * @property {number} matched
 * @property {number} affected
 * @property {string[]} execution_ids
 */

/**
 * @typedef {object} BatchResult POST /tasks/execute-batch
 * @property {number} accepted
 * @property {number} rejected
 * @property {{ index: number, status: number, execution_id?: string, error?: string | string[] }[]} results
 */
