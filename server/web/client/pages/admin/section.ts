/** What every section of the admin page gets. */
export interface SectionProps {
  /** Call after an action succeeded: the other sections (the audit log first) reload. */
  changed: () => void;
  /** Grows with every change made on the page. */
  version: number;
}
