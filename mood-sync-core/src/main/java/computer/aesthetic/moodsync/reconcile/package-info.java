/**
 * The operator's tools: {@link computer.aesthetic.moodsync.reconcile.Reconciler} compares a user's moods with the
 * records of their {@code computer.aesthetic.mood} collection and names every kind of drift
 * ({@link computer.aesthetic.moodsync.reconcile.DriftKind}); a {@link computer.aesthetic.moodsync.reconcile.RepairPlan}
 * turns a report and a {@link computer.aesthetic.moodsync.reconcile.RepairPolicy} into reviewable actions, and
 * {@link computer.aesthetic.moodsync.reconcile.Repairer} applies them within the PDS write budget, rebuilds one side
 * from the other, and erases users with an {@link computer.aesthetic.moodsync.reconcile.ErasureReceipt}.
 *
 * <p>Reconciling and planning never write: dry-run is the default, only {@code Repairer} writes.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.reconcile;
