import { KeysetPageQuery } from '../../common/keyset-page.query';

/** `GET /approvals`: keyset-paged like `GET /executions` (`limit`, `cursor`), oldest first. */
export class ApprovalsQuery extends KeysetPageQuery {}
