import * as z from 'zod/v4';
import type { DemoTool } from './demo-tool.js';

/**
 * The tools of the public SmartLead MCP server (leadmagic/smartlead-mcp-server, 116 of them), by their real names;
 * the descriptions and argument shapes are the demo's own, written to say plainly what each does, so the catalogue
 * classifies them as it would the real server's.
 */

const id = (what: string) => z.number().int().describe(`The ${what}'s id`);
const campaign = { campaign_id: id('campaign') };
const lead = { lead_id: id('lead') };
const campaignLead = { ...campaign, ...lead };
const account = { email_account_id: id('email account') };
const placementTest = { spam_test_id: id('placement test') };
const folder = { folder_id: id('folder') };
const client = { client_id: id('client') };
const dates = { start_date: z.string().describe('First day, YYYY-MM-DD'), end_date: z.string().describe('Last day, YYYY-MM-DD') };
const page = { offset: z.number().int().min(0).optional().describe('Rows to skip'), limit: z.number().int().min(1).max(100).optional().describe('Rows to return') };
const clientFilter = { client_ids: z.array(z.number().int()).optional().describe('Only these clients') };
const stats = { ...dates, ...clientFilter };
const newClient = { name: z.string().describe('Client name'), email: z.string().describe('Login e-mail of the client'), permission: z.array(z.string()).optional(), logo_url: z.string().optional() };
const leadRecord = z.object({ email: z.string(), first_name: z.string().optional(), last_name: z.string().optional(), company_name: z.string().optional(), custom_fields: z.record(z.string(), z.string()).optional() });

export const SMARTLEAD_TOOLS: readonly DemoTool[] = [
  // Analytics: read-only reports over the whole account.
  { name: 'smartlead_analytics_campaign_list', description: 'List campaigns for reporting, optionally only those of some clients.', input: clientFilter },
  { name: 'smartlead_analytics_client_list', description: 'List every client, for reporting.', input: {} },
  { name: 'smartlead_analytics_client_month_wise_count', description: 'Count new clients per month.', input: dates },
  { name: 'smartlead_analytics_overall_stats_v2', description: 'Get sent, opened, replied and bounced totals across the account for a date range.', input: stats },
  { name: 'smartlead_analytics_day_wise_overall_stats', description: 'Get the account totals day by day for a date range.', input: stats },
  { name: 'smartlead_analytics_day_wise_positive_reply_stats', description: 'Get positive replies day by day for a date range.', input: stats },
  { name: 'smartlead_analytics_mailbox_name_wise_health_metrics', description: 'Get deliverability health per mailbox for a date range.', input: stats },
  { name: 'smartlead_analytics_mailbox_domain_wise_health_metrics', description: 'Get deliverability health per sending domain for a date range.', input: stats },
  { name: 'smartlead_analytics_mailbox_provider_wise_overall_performance', description: 'Get sending results per mailbox provider (Gmail, Outlook, other) for a date range.', input: stats },
  { name: 'smartlead_analytics_campaign_overall_stats', description: 'Get results per campaign for a date range.', input: stats },
  { name: 'smartlead_analytics_client_overall_stats', description: 'Get results per client for a date range.', input: stats },
  { name: 'smartlead_analytics_team_board_overall_stats', description: 'Get results per team member for a date range.', input: dates },
  { name: 'smartlead_analytics_lead_overall_stats', description: 'Get lead totals (contacted, replied, positive) for a date range.', input: stats },
  { name: 'smartlead_analytics_lead_category_wise_response', description: 'Get replies grouped by lead category for a date range.', input: stats },
  { name: 'smartlead_analytics_campaign_leads_take_for_first_reply', description: 'Get how many messages leads received before their first reply.', input: stats },
  { name: 'smartlead_analytics_campaign_follow_up_reply_rate', description: 'Get the reply rate of each follow-up step.', input: stats },
  { name: 'smartlead_analytics_campaign_lead_to_reply_time', description: 'Get the median time from first message to reply.', input: stats },
  { name: 'smartlead_analytics_campaign_response_stats', description: 'Get response counts per campaign for a date range.', input: stats },
  { name: 'smartlead_analytics_campaign_status_stats', description: 'Count campaigns by status (active, paused, completed).', input: clientFilter },
  { name: 'smartlead_analytics_mailbox_overall_stats', description: 'Get sending totals per mailbox for a date range.', input: stats },

  // Campaigns.
  { name: 'smartlead_create_campaign', description: 'Create a campaign in draft, optionally for a client.', input: { name: z.string().describe('Campaign name'), client_id: z.number().int().optional() }, answer: 'create_campaign' },
  {
    name: 'smartlead_update_campaign_schedule',
    description: 'Update when a campaign sends: time zone, days, hours and the gap between messages.',
    input: { ...campaign, timezone: z.string(), days_of_the_week: z.array(z.number().int().min(0).max(6)), start_hour: z.string(), end_hour: z.string(), min_time_btw_emails: z.number().int().optional(), max_new_leads_per_day: z.number().int().optional() },
  },
  {
    name: 'smartlead_update_campaign_settings',
    description: 'Update a campaign\'s settings: tracking, stop conditions, unsubscribe text.',
    input: { ...campaign, track_settings: z.array(z.string()).optional(), stop_lead_settings: z.string().optional(), unsubscribe_text: z.string().optional() },
  },
  { name: 'smartlead_update_campaign_status', description: 'Update a campaign\'s status to start, pause or stop sending.', input: { ...campaign, status: z.enum(['START', 'PAUSED', 'STOPPED']) } },
  { name: 'smartlead_get_campaign', description: 'Get one campaign by id.', input: campaign, answer: 'get_campaign' },
  { name: 'smartlead_list_campaigns', description: 'List the account\'s campaigns.', input: { client_id: z.number().int().optional(), ...page }, answer: 'list_campaigns' },
  {
    name: 'smartlead_save_campaign_sequence',
    description: 'Save the steps of a campaign\'s sequence: each message, its subject and the days to wait before it.',
    input: { ...campaign, sequences: z.array(z.object({ seq_number: z.number().int(), subject: z.string(), email_body: z.string(), delay_in_days: z.number().int() })) },
  },
  { name: 'smartlead_get_campaign_sequence', description: 'Get the steps of a campaign\'s sequence.', input: campaign },
  { name: 'smartlead_get_campaigns_with_analytics', description: 'List campaigns with their headline numbers.', input: { ...clientFilter, ...page } },
  { name: 'smartlead_delete_campaign', description: 'Delete a campaign and its leads and history permanently.', input: campaign, answer: 'delete_campaign' },
  { name: 'smartlead_export_campaign_data', description: 'Export a campaign\'s leads and their status as CSV.', input: campaign },
  { name: 'smartlead_fetch_campaign_analytics_by_date_range', description: 'Fetch a campaign\'s numbers for a date range.', input: { ...campaign, ...dates } },
  { name: 'smartlead_get_campaign_sequence_analytics', description: 'Get the numbers of each step of a campaign\'s sequence.', input: { ...campaign, ...dates } },
  { name: 'smartlead_fetch_all_campaigns_using_lead_id', description: 'Fetch every campaign a lead is in.', input: lead },

  // Clients and their API keys.
  { name: 'smartlead_add_client_to_system', description: 'Add a client account (white-label or not) that can log in to its own campaigns.', input: newClient },
  { name: 'smartlead_create_client', description: 'Create a client account; the same as adding a client to the system.', input: newClient },
  { name: 'smartlead_get_all_clients', description: 'Get every client account.', input: {} },
  { name: 'smartlead_create_client_api_key', description: 'Create an API key for a client account.', input: { ...client, label: z.string().optional() }, answer: 'create_api_key' },
  { name: 'smartlead_get_client_api_keys', description: 'Get the API keys of a client account.', input: client },
  { name: 'smartlead_delete_client_api_key', description: 'Delete an API key; whatever uses it stops working.', input: { api_key_id: id('API key') } },
  { name: 'smartlead_reset_client_api_key', description: 'Reset an API key: a new value replaces it and the old one stops working.', input: { api_key_id: id('API key') } },
  { name: 'smartlead_get_team_details', description: 'Get the team: its members and their roles.', input: {} },

  // Email accounts (the mailboxes campaigns send from).
  { name: 'smartlead_list_email_accounts_per_campaign', description: 'List the email accounts a campaign sends from.', input: campaign },
  { name: 'smartlead_add_email_account_to_campaign', description: 'Add email accounts to the ones a campaign sends from.', input: { ...campaign, email_account_ids: z.array(z.number().int()) } },
  { name: 'smartlead_remove_email_account_from_campaign', description: 'Remove email accounts from the ones a campaign sends from.', input: { ...campaign, email_account_ids: z.array(z.number().int()) } },
  { name: 'smartlead_get_all_email_accounts', description: 'Get every email account of the user.', input: page },
  {
    name: 'smartlead_create_email_account',
    description: 'Create an email account from its SMTP and IMAP settings.',
    input: { from_name: z.string(), from_email: z.string(), username: z.string(), password: z.string(), smtp_host: z.string(), smtp_port: z.number().int(), imap_host: z.string(), imap_port: z.number().int(), max_email_per_day: z.number().int().optional() },
  },
  { name: 'smartlead_update_email_account', description: 'Update an email account\'s sender name, daily limit or signature.', input: { ...account, from_name: z.string().optional(), max_email_per_day: z.number().int().optional(), signature: z.string().optional() } },
  { name: 'smartlead_get_email_account_by_id', description: 'Get one email account by id.', input: account },
  { name: 'smartlead_update_email_account_warmup', description: 'Update an email account\'s warm-up: on or off, and how many warm-up messages a day.', input: { ...account, warmup_enabled: z.boolean(), total_warmup_per_day: z.number().int().optional(), daily_rampup: z.number().int().optional() } },
  { name: 'smartlead_reconnect_failed_email_accounts', description: 'Reconnect the email accounts whose login failed.', input: {} },
  { name: 'smartlead_update_email_account_tag', description: 'Update the tags of an email account.', input: { ...account, tags: z.array(z.string()) } },

  // Leads.
  { name: 'smartlead_list_leads_by_campaign', description: 'List the leads of a campaign.', input: { ...campaign, ...page } },
  { name: 'smartlead_fetch_lead_categories', description: 'Fetch the categories a lead can be put in (Interested, Not interested, …).', input: {} },
  { name: 'smartlead_fetch_lead_by_email', description: 'Fetch a lead by e-mail address.', input: { email: z.string() } },
  { name: 'smartlead_add_leads_to_campaign', description: 'Add up to 100 leads to a campaign; duplicates are skipped.', input: { ...campaign, lead_list: z.array(leadRecord).max(100) } },
  { name: 'smartlead_resume_lead_by_campaign', description: 'Resume sending to a paused lead of a campaign.', input: { ...campaignLead, resume_lead_with_delay_days: z.number().int().optional() } },
  { name: 'smartlead_pause_lead_by_campaign', description: 'Pause sending to a lead of a campaign.', input: campaignLead },
  { name: 'smartlead_delete_lead_by_campaign', description: 'Delete a lead from a campaign, with its history there.', input: campaignLead },
  { name: 'smartlead_unsubscribe_lead_from_campaign', description: 'Unsubscribe a lead from one campaign: it gets no more messages from it.', input: campaignLead },
  { name: 'smartlead_unsubscribe_lead_from_all_campaigns', description: 'Unsubscribe a lead from every campaign of the account.', input: lead },
  { name: 'smartlead_add_lead_to_global_blocklist', description: 'Add an e-mail address or a domain to the blocklist: no campaign will write to it.', input: { domain_block_list: z.array(z.string()), client_id: z.number().int().optional() } },
  { name: 'smartlead_fetch_all_leads_from_account', description: 'Fetch every lead of the account.', input: page },
  { name: 'smartlead_fetch_leads_from_global_blocklist', description: 'Fetch the addresses and domains on the blocklist.', input: page },
  { name: 'smartlead_update_lead_by_id', description: 'Update a lead\'s name, company or custom fields.', input: { ...lead, first_name: z.string().optional(), last_name: z.string().optional(), company_name: z.string().optional(), custom_fields: z.record(z.string(), z.string()).optional() } },
  { name: 'smartlead_update_lead_category', description: 'Update the category of a lead in a campaign.', input: { ...campaignLead, category_id: z.number().int() } },
  { name: 'smartlead_fetch_lead_message_history', description: 'Fetch the messages sent to and received from a lead in a campaign.', input: campaignLead },
  {
    name: 'smartlead_reply_to_lead_from_master_inbox',
    description: 'Reply to a lead from the master inbox: the message is sent to the lead from the campaign\'s mailbox.',
    input: { ...campaign, email_stats_id: z.string(), email_body: z.string(), reply_message_id: z.string(), reply_email_time: z.string() },
  },
  { name: 'smartlead_forward_reply', description: 'Forward a lead\'s reply to other addresses.', input: { ...campaign, message_id: z.string(), stats_id: z.string(), to_emails: z.string().describe('Comma-separated addresses') } },

  // Smart Delivery: inbox placement tests and their reports.
  { name: 'smartlead_get_region_wise_provider_ids', description: 'Get the seed-mailbox providers available in each region.', input: {} },
  {
    name: 'smartlead_create_manual_placement_test',
    description: 'Create a placement test that sends a message to seed mailboxes once, to see where it lands.',
    input: { test_name: z.string(), spam_filters: z.array(z.string()), provider_ids: z.array(z.number().int()), sender_accounts: z.array(z.string()), folder_id: z.number().int().optional() },
  },
  {
    name: 'smartlead_create_automated_placement_test',
    description: 'Create a placement test that repeats on a schedule.',
    input: { test_name: z.string(), spam_filters: z.array(z.string()), provider_ids: z.array(z.number().int()), sender_accounts: z.array(z.string()), schedule_start_time: z.string(), test_end_date: z.string(), every_days: z.number().int() },
  },
  { name: 'smartlead_get_spam_test_details', description: 'Get a placement test and its results.', input: placementTest },
  { name: 'smartlead_delete_tests_in_bulk', description: 'Delete several placement tests and their results at once.', input: { spam_test_ids: z.array(z.number().int()) } },
  { name: 'smartlead_stop_automated_test', description: 'Stop a scheduled placement test from running again.', input: placementTest },
  { name: 'smartlead_list_all_tests', description: 'List the placement tests, manual or automated.', input: { test_kind: z.enum(['manual', 'auto']), ...page } },
  { name: 'smartlead_get_provider_wise_report', description: 'Get where a test\'s messages landed, per provider.', input: placementTest },
  { name: 'smartlead_get_geo_wise_report', description: 'Get where a test\'s messages landed, per region.', input: placementTest },
  { name: 'smartlead_get_sender_account_wise_report', description: 'Get where a test\'s messages landed, per sending account.', input: placementTest },
  { name: 'smartlead_get_spam_filter_report', description: 'Get what each spam filter made of a test\'s messages.', input: placementTest },
  { name: 'smartlead_get_dkim_details', description: 'Get the DKIM check results of a test.', input: placementTest },
  { name: 'smartlead_get_spf_details', description: 'Get the SPF check results of a test.', input: placementTest },
  { name: 'smartlead_get_rdns_report', description: 'Get the reverse DNS check results of a test.', input: placementTest },
  { name: 'smartlead_get_sender_account_list', description: 'Get the sending accounts a test used.', input: placementTest },
  { name: 'smartlead_get_blacklists', description: 'Get the blacklists a test\'s senders appear on.', input: placementTest },
  { name: 'smartlead_get_domain_blacklist', description: 'Get the domain blacklists a test\'s sending domains appear on.', input: placementTest },
  { name: 'smartlead_get_spam_test_email_content', description: 'Get the message a test sent.', input: placementTest },
  { name: 'smartlead_get_ip_blacklist_count', description: 'Count the blacklists each sending IP of a test is on.', input: placementTest },
  { name: 'smartlead_get_email_reply_headers', description: 'Get the headers of a test message as a seed mailbox received it.', input: { ...placementTest, reply_id: z.string() } },
  { name: 'smartlead_get_schedule_history', description: 'Get the past runs of a scheduled test.', input: placementTest },
  { name: 'smartlead_get_ip_details', description: 'Get the sending IPs of a test and their reputation.', input: placementTest },
  { name: 'smartlead_get_mailbox_summary', description: 'Get a summary of placement per mailbox over all tests.', input: page },
  { name: 'smartlead_get_mailbox_count', description: 'Count the mailboxes that took part in tests.', input: {} },
  { name: 'smartlead_get_all_folders', description: 'Get the folders tests are kept in.', input: {} },
  { name: 'smartlead_create_folder', description: 'Create a folder to keep tests in.', input: { name: z.string() } },
  { name: 'smartlead_get_folder_by_id', description: 'Get one test folder by id.', input: folder },
  { name: 'smartlead_delete_folder', description: 'Delete a test folder.', input: folder },

  // Smart Senders: domains and mailboxes bought from vendors.
  { name: 'smartlead_search_domain', description: 'Search for domain names that are free to register.', input: { domain_name: z.string(), vendor_id: z.number().int() } },
  { name: 'smartlead_get_vendors', description: 'Get the vendors domains and mailboxes can be bought from.', input: {} },
  {
    name: 'smartlead_auto_generate_mailboxes',
    description: 'Suggest mailbox addresses for domains from a person\'s name; nothing is created or bought.',
    input: { vendor_id: z.number().int(), domains: z.array(z.string()), first_name: z.string(), last_name: z.string() },
  },
  {
    name: 'smartlead_place_order_for_mailboxes',
    description: 'Place an order with a vendor for the given mailboxes; the vendor bills the account for them.',
    input: { vendor_id: z.number().int(), forwarding_domain: z.string(), domains: z.array(z.object({ domain_name: z.string(), mailboxes: z.array(z.string()) })) },
  },
  { name: 'smartlead_get_domain_list', description: 'Get the domains bought through Smart Senders.', input: {} },

  // Statistics of one campaign.
  { name: 'smartlead_get_campaign_statistics', description: 'Get a campaign\'s numbers per lead and message.', input: { ...campaign, ...page } },
  { name: 'smartlead_get_campaign_statistics_by_date_range', description: 'Get a campaign\'s numbers per lead and message for a date range.', input: { ...campaign, ...dates } },
  { name: 'smartlead_get_warmup_stats_by_email_account_id', description: 'Get an email account\'s warm-up numbers for the last week.', input: account },
  { name: 'smartlead_get_campaign_top_level_analytics', description: 'Get a campaign\'s headline numbers.', input: campaign },
  { name: 'smartlead_get_campaign_top_level_analytics_by_date_range', description: 'Get a campaign\'s headline numbers for a date range.', input: { ...campaign, ...dates } },
  { name: 'smartlead_get_campaign_lead_statistics', description: 'Get the state of every lead of a campaign.', input: { ...campaign, ...page } },
  { name: 'smartlead_get_campaign_mailbox_statistics', description: 'Get a campaign\'s numbers per sending mailbox.', input: campaign },
  { name: 'smartlead_download_campaign_data', description: 'Download a campaign\'s data as CSV or JSON.', input: { ...campaign, format: z.enum(['csv', 'json']) } },
  { name: 'smartlead_view_download_statistics', description: 'View how often campaign data was downloaded, by period.', input: { time_period: z.enum(['day', 'week', 'month']).optional() } },

  // Webhooks: where SmartLead posts campaign events.
  { name: 'smartlead_get_webhooks_by_campaign_id', description: 'Get the webhooks of a campaign.', input: campaign },
  {
    name: 'smartlead_add_or_update_campaign_webhook',
    description: 'Add a webhook to a campaign, or update one: SmartLead posts the chosen events to its URL.',
    input: { ...campaign, id: z.number().int().optional().describe('The webhook to update; none adds one'), name: z.string(), webhook_url: z.string(), event_types: z.array(z.string()) },
  },
  { name: 'smartlead_delete_campaign_webhook', description: 'Delete a webhook of a campaign.', input: { ...campaign, webhook_id: id('webhook') } },
  { name: 'smartlead_get_webhooks_publish_summary', description: 'Get how many events each webhook delivered or failed to.', input: { ...campaign, ...dates } },
  { name: 'smartlead_retrigger_failed_events', description: 'Send again the webhook events that failed to be delivered.', input: { ...campaign, ...dates } },
];
