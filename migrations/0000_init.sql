CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`before` text,
	`after` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_guild` ON `audit_log` (`guild_id`,`at`);--> statement-breakpoint
CREATE TABLE `channels` (
	`guild_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`parent_id` text,
	`topic` text,
	`owner_id` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `channel_id`)
);
--> statement-breakpoint
CREATE INDEX `channels_parent` ON `channels` (`guild_id`,`parent_id`);--> statement-breakpoint
CREATE TABLE `guilds` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`name` text NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `job_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job` text NOT NULL,
	`guild_id` text NOT NULL,
	`period` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`outcome` text NOT NULL,
	`detail` text,
	`lease_until` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `job_runs_period` ON `job_runs` (`job`,`guild_id`,`period`);--> statement-breakpoint
CREATE INDEX `job_runs_recent` ON `job_runs` (`guild_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `members` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`username` text NOT NULL,
	`display_name` text NOT NULL,
	`bot` integer DEFAULT false NOT NULL,
	`moderator` integer DEFAULT false NOT NULL,
	`roles` text DEFAULT '[]' NOT NULL,
	`joined_at` integer,
	`left_at` integer,
	`timezone` text,
	`nudges_off` integer DEFAULT false NOT NULL,
	`profiling_off` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `members_joined` ON `members` (`guild_id`,`joined_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`guild_id` text NOT NULL,
	`message_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`parent_channel_id` text NOT NULL,
	`author_id` text NOT NULL,
	`reply_to_id` text,
	`mention_ids` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`edited_at` integer,
	`deleted_at` integer,
	`terms` text DEFAULT '' NOT NULL,
	`content` text,
	PRIMARY KEY(`guild_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `messages_time` ON `messages` (`guild_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_author` ON `messages` (`guild_id`,`author_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_channel` ON `messages` (`guild_id`,`channel_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_reply` ON `messages` (`guild_id`,`reply_to_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`guild_id` text NOT NULL,
	`key` text NOT NULL,
	`action` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`lease_until` integer,
	`last_error` text,
	`result` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_key` ON `outbox` (`key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`platform`,`status`,`not_before`);--> statement-breakpoint
CREATE TABLE `reactions` (
	`guild_id` text NOT NULL,
	`message_id` text NOT NULL,
	`member_id` text NOT NULL,
	`emoji` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `message_id`, `member_id`, `emoji`)
);
--> statement-breakpoint
CREATE INDEX `reactions_member` ON `reactions` (`guild_id`,`member_id`);--> statement-breakpoint
CREATE TABLE `digest_notes` (
	`guild_id` text NOT NULL,
	`period` text NOT NULL,
	`voter` text NOT NULL,
	`text` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `period`, `voter`)
);
--> statement-breakpoint
CREATE INDEX `digest_notes_at` ON `digest_notes` (`guild_id`,`at`);--> statement-breakpoint
CREATE TABLE `digest_pulse` (
	`guild_id` text NOT NULL,
	`period` text NOT NULL,
	`voter` text NOT NULL,
	`answer` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `period`, `voter`)
);
--> statement-breakpoint
CREATE TABLE `digest_subscribers` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`since` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE TABLE `digest_weeks` (
	`guild_id` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`computed_at` integer NOT NULL,
	`stats` text NOT NULL,
	PRIMARY KEY(`guild_id`, `start_at`, `end_at`)
);
--> statement-breakpoint
CREATE TABLE `discourse_backfill` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`cursor` text NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `discourse_posts` (
	`guild_id` text NOT NULL,
	`post_id` text NOT NULL,
	`topic_id` text NOT NULL,
	`post_number` integer NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`guild_id`, `post_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `discourse_posts_number` ON `discourse_posts` (`guild_id`,`topic_id`,`post_number`);--> statement-breakpoint
CREATE TABLE `discourse_users` (
	`guild_id` text NOT NULL,
	`username_lower` text NOT NULL,
	`username` text NOT NULL,
	`user_id` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `username_lower`)
);
--> statement-breakpoint
CREATE INDEX `discourse_users_id` ON `discourse_users` (`guild_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `discourse_webhook_keys` (
	`guild_id` text NOT NULL,
	`key` text NOT NULL,
	`event` text NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `discourse_webhook_keys_seen` ON `discourse_webhook_keys` (`guild_id`,`seen_at`);--> statement-breakpoint
CREATE TABLE `intros` (
	`guild_id` text NOT NULL,
	`intro_id` text NOT NULL,
	`kind` text NOT NULL,
	`round_id` text,
	`round_seq` integer,
	`group_index` integer,
	`member_ids` text NOT NULL,
	`reasons` text DEFAULT '[]' NOT NULL,
	`score` real DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`thread_key` text,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	`follow_up_at` integer,
	`followed_up_at` integer,
	PRIMARY KEY(`guild_id`, `intro_id`)
);
--> statement-breakpoint
CREATE INDEX `intros_created` ON `intros` (`guild_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `intros_follow_up` ON `intros` (`guild_id`,`followed_up_at`,`follow_up_at`);--> statement-breakpoint
CREATE INDEX `intros_round` ON `intros` (`guild_id`,`round_seq`);--> statement-breakpoint
CREATE TABLE `intros_accepted` (
	`guild_id` text NOT NULL,
	`thread_id` text NOT NULL,
	`message_id` text,
	`author_id` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `thread_id`)
);
--> statement-breakpoint
CREATE TABLE `intros_builds` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`built_at` integer NOT NULL,
	`member_count` integer NOT NULL,
	`hub_degree` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `intros_feedback` (
	`guild_id` text NOT NULL,
	`intro_id` text NOT NULL,
	`member_id` text NOT NULL,
	`answer` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `intro_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `intros_feedback_member` ON `intros_feedback` (`guild_id`,`member_id`);--> statement-breakpoint
CREATE TABLE `intros_members` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`joined_at` integer NOT NULL,
	`left_at` integer,
	`skip_until` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE TABLE `intros_profiles` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`interests` text DEFAULT '[]' NOT NULL,
	`about` text DEFAULT '' NOT NULL,
	`timezone` text,
	`derived` text,
	`degree` integer DEFAULT 0 NOT NULL,
	`community` integer,
	`built_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE TABLE `intros_rounds` (
	`guild_id` text NOT NULL,
	`round_id` text NOT NULL,
	`seq` integer NOT NULL,
	`started_at` integer NOT NULL,
	`pool` integer NOT NULL,
	`groups` integer NOT NULL,
	`total_score` real NOT NULL,
	PRIMARY KEY(`guild_id`, `round_id`)
);
--> statement-breakpoint
CREATE INDEX `intros_rounds_seq` ON `intros_rounds` (`guild_id`,`seq`);--> statement-breakpoint
CREATE TABLE `intros_terms` (
	`guild_id` text NOT NULL,
	`term` text NOT NULL,
	`member_id` text NOT NULL,
	`weight` real NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`, `term`)
);
--> statement-breakpoint
CREATE INDEX `intros_terms_rank` ON `intros_terms` (`guild_id`,`term`,`weight`);--> statement-breakpoint
CREATE TABLE `journey_members` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`stage` text NOT NULL,
	`stage_at` integer NOT NULL,
	`joined_at` integer,
	`message_count` integer DEFAULT 0 NOT NULL,
	`counters` text DEFAULT '{}' NOT NULL,
	`first_message_id` text,
	`first_message_channel_id` text,
	`first_message_opens_thread` integer DEFAULT false NOT NULL,
	`first_reply_by` text,
	`welcomed_at` integer,
	`last_contact_at` integer,
	`pending_stage` text,
	`pending_due_at` integer,
	`nudged_stage` text,
	`nudged_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `journey_members_stage` ON `journey_members` (`guild_id`,`stage`);--> statement-breakpoint
CREATE INDEX `journey_members_joined` ON `journey_members` (`guild_id`,`joined_at`);--> statement-breakpoint
CREATE INDEX `journey_members_pending` ON `journey_members` (`guild_id`,`pending_due_at`);--> statement-breakpoint
CREATE TABLE `journey_milestones` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`stage` text NOT NULL,
	`reached_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`, `stage`)
);
--> statement-breakpoint
CREATE INDEX `journey_milestones_reached` ON `journey_milestones` (`guild_id`,`stage`,`reached_at`);--> statement-breakpoint
CREATE TABLE `journey_solved` (
	`guild_id` text NOT NULL,
	`message_id` text NOT NULL,
	`member_id` text NOT NULL,
	`by_member_id` text NOT NULL,
	`via` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `journey_solved_member` ON `journey_solved` (`guild_id`,`member_id`);--> statement-breakpoint
CREATE TABLE `account_links` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`other_guild_id` text NOT NULL,
	`other_member_id` text NOT NULL,
	`code_hash` text,
	`code_expires_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`linked_at` integer,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `account_links_other` ON `account_links` (`other_guild_id`,`other_member_id`);--> statement-breakpoint
CREATE TABLE `question_nudges` (
	`guild_id` text NOT NULL,
	`question_id` text NOT NULL,
	`stage` text NOT NULL,
	`target_id` text NOT NULL,
	`target_kind` text NOT NULL,
	`at` integer NOT NULL,
	`reasons` text,
	PRIMARY KEY(`guild_id`, `question_id`, `stage`, `target_id`)
);
--> statement-breakpoint
CREATE INDEX `question_nudges_target` ON `question_nudges` (`guild_id`,`target_id`,`at`);--> statement-breakpoint
CREATE INDEX `question_nudges_time` ON `question_nudges` (`guild_id`,`at`);--> statement-breakpoint
CREATE TABLE `question_responses` (
	`guild_id` text NOT NULL,
	`question_id` text NOT NULL,
	`member_id` text NOT NULL,
	`message_id` text NOT NULL,
	`first_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `question_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `question_responses_member` ON `question_responses` (`guild_id`,`member_id`,`first_at`);--> statement-breakpoint
CREATE TABLE `questions` (
	`guild_id` text NOT NULL,
	`question_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`parent_channel_id` text NOT NULL,
	`asker_id` text NOT NULL,
	`asked_at` integer NOT NULL,
	`terms` text DEFAULT '' NOT NULL,
	`has_body` integer DEFAULT false NOT NULL,
	`mention_ids` text DEFAULT '[]' NOT NULL,
	`first_response_at` integer,
	`first_responder_id` text,
	`answered` integer DEFAULT false NOT NULL,
	`solved_at` integer,
	`solved_via` text,
	`solved_by_id` text,
	`accepted_message_id` text,
	`accepted_answerer_id` text,
	`nudge_stage` integer DEFAULT 0 NOT NULL,
	`nudged_at` integer,
	`escalated_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `question_id`)
);
--> statement-breakpoint
CREATE INDEX `questions_open` ON `questions` (`guild_id`,`answered`,`asked_at`);--> statement-breakpoint
CREATE INDEX `questions_asker` ON `questions` (`guild_id`,`asker_id`);