import { ExecutionVote } from '../approvals/execution-vote.entity';
import { ApiToken } from '../auth/api-token.entity';
import { GroupMembership } from '../auth/group-membership.entity';
import { Group } from '../auth/group.entity';
import { PermissionGrant } from '../auth/permission-grant.entity';
import { Principal } from '../auth/principal.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { Execution } from '../executions/execution.entity';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';

export const ENTITIES = [
  Principal,
  Group,
  GroupMembership,
  PermissionGrant,
  ApiToken,
  Execution,
  AuditEvent,
  WebhookDelivery,
  ExecutionVote,
];
