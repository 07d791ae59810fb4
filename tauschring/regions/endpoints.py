"""The regions' API endpoints by who may call them (read by the API's caller
check and by the contact point's gate; a module without imports, so both can)."""

# Anyone, without logging in.
PUBLIC_API = frozenset({"Regions.get_region", "Regions.list_rings", "Regions.list_services",
                        "Regions.list_talents", "Regions.ask_for_help"})
# The contact point (and admins) besides: the directory's upkeep and the figures.
DESK_API = frozenset({"Regions.create_service", "Regions.update_service",
                      "Regions.delete_service", "Regions.report_json", "Regions.report_csv",
                      "Regions.report_pdf", "Regions.list_help_requests",
                      "Regions.forward_help_request", "Regions.record_outcome"})
# The public pages (also open to a member waiting for admission).
PUBLIC_PAGES = frozenset({"regions.index", "regions.region", "regions.near", "regions.services",
                          "regions.offers", "regions.ask_for_help", "regions.help_sent",
                          "regions.brochure"})
