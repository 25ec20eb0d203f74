// `.env`: CL_SCOPE and CL_BACK_OFFICE_SCOPE are scope values by default (`…_SCOPE`).
scope_core::config_scopes! {
    mod deploy = "ui/config/fixtures/bad_value.env" {
        sales_channel = "CL_SCOPE",
    }
}

fn main() {}
