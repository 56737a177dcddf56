ALTER TABLE `job_runs` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_owner` text;