import type { Core } from '@strapi/strapi';
import { moveLegacyFollowUps } from '../../../../setup/legacy-tasks';
import { TRANSIT_PASS, PROCESS_ID } from './domain';

/**
 * Finance's follow-ups about pass orders' card payments, kept by a database from before with the
 * pre-paid plans' tasks, move to the engine's tasks of this process at start: those whose key
 * names the process, and the disputes, whose details name the pass order.
 */
export const moveTransitFollowUps = (strapi: Core.Strapi) =>
  moveLegacyFollowUps(strapi, {
    process: PROCESS_ID,
    followUps: TRANSIT_PASS.followUps ?? [],
    which: (rows) => rows.where((ours) => ours.where('task_key', 'like', '%:transit:%').orWhere((dispute) => dispute.where('type', 'dispute').andWhere('details', 'like', '%of pass order%'))),
  });
