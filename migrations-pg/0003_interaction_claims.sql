CREATE TABLE "discord_interactions" (
	"interaction_id" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "discord_interactions_at" ON "discord_interactions" USING btree ("at");